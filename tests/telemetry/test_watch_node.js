// test_watch_node.js - WatchMetrics from npm's pure-JavaScript
// @grpc/grpc-js (an implementation independent of the C core): receive
// two snapshots then cancel; then a stream that ends at its deadline.
// Prints one JSON line with what it saw; test_watch_node.py checks it
// together with the server log.
// Usage: node test_watch_node.js TARGET PROTO_ROOT
'use strict';
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const [target, protoRoot] = process.argv.slice(2);
const def = protoLoader.loadSync('attune/v1/attune.proto', {
  includeDirs: [protoRoot], keepCase: true, longs: Number, enums: Number, defaults: true,
});
const api = grpc.loadPackageDefinition(def).attune.v1;
const client = new api.Supervision(target, grpc.credentials.createInsecure(),
  {'grpc.enable_http_proxy': 0});

function cancelAfterTwo() {
  return new Promise((resolve) => {
    const seen = [];
    const call = client.WatchMetrics({team: '', window: 1, interval_seconds: 1},
      {deadline: Date.now() + 30000});
    call.on('data', (snap) => {
      seen.push({sequence: snap.sequence, time: snap.time_unix_ms,
        drafts: snap.stats ? snap.stats.drafts_scored : -1});
      if (seen.length === 2) call.cancel();
    });
    call.on('error', (err) => resolve({seen, code: err.code}));
    call.on('end', () => resolve({seen, code: 0}));
  });
}

function untilDeadline() {
  return new Promise((resolve) => {
    const seen = [];
    const call = client.WatchMetrics({interval_seconds: 1},
      {deadline: Date.now() + 1500});
    call.on('data', (snap) => seen.push({sequence: snap.sequence}));
    call.on('error', (err) => resolve({seen, code: err.code}));
    call.on('end', () => resolve({seen, code: 0}));
  });
}

(async () => {
  const cancel = await cancelAfterTwo();
  const deadline = await untilDeadline();
  client.close();
  console.log(JSON.stringify({cancel, deadline,
    CANCELLED: grpc.status.CANCELLED, DEADLINE_EXCEEDED: grpc.status.DEADLINE_EXCEEDED}));
})().catch((e) => { console.error(e); process.exit(1); });
