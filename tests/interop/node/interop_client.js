// interop_client.js - runs tests/interop/cases.json against a live attuned
// from npm's pure-JavaScript @grpc/grpc-js (independent of the C core). The
// same cases run from python3-grpcio in ../python/interop_client.py.
// Usage: node interop_client.js TARGET PROTO_ROOT HEALTH_PROTO_ROOT CASES [CA_PEM]
// Prints one line per case (PASS/FAIL name: why) and a final JSON summary
// line; exits 1 if any case failed.
'use strict';
const fs = require('fs');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const [target, protoRoot, healthRoot, casesPath, caPath] = process.argv.slice(2);
const def = protoLoader.loadSync(['attune/v1/attune.proto', 'grpc/health/v1/health.proto'], {
  includeDirs: [protoRoot, healthRoot], keepCase: true, longs: String, enums: Number,
  defaults: true,
});

// Method path "/pkg.Svc/M" -> its definition (serializers, stream flags).
const methods = {};
for (const svc of Object.values(def)) {
  if (svc.format) continue; // a message or enum type, not a service
  for (const m of Object.values(svc)) methods[m.path] = m;
}

function expand(v) {
  if (Array.isArray(v)) return v.map(expand);
  if (v && typeof v === 'object') {
    if ('$repeat' in v) return expand(v.$repeat).repeat(v.count);
    if ('$array' in v) return Array.from({length: v.count}, () => expand(v.$array));
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k] = expand(x);
    return o;
  }
  return v;
}

function asText(v) {
  return v === undefined || v === null ? 'None' : String(v);
}

function metadataOf(c) {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(c.metadata || {})) {
    md.set(k, k.endsWith('-bin') ? Buffer.from(v, 'base64') : v);
  }
  return md;
}

function deadlineOf(c) {
  const t = c.timeout_ms === undefined ? 10000 : c.timeout_ms;
  return t === 0 ? new Date(Date.now() - 1000) : new Date(Date.now() + t);
}

// Server-sent metadata must be readable: lowercase keys, Buffers only for -bin.
function metadataReadable(md) {
  if (!md) return true;
  for (const k of Object.keys(md.getMap())) {
    if (k !== k.toLowerCase()) return false;
    const v = md.get(k)[0];
    if (k.endsWith('-bin') !== Buffer.isBuffer(v)) return false;
  }
  return true;
}

function codeName(code) {
  for (const [n, v] of Object.entries(grpc.status)) if (v === code) return n;
  return 'CODE_' + code;
}

function runUnary(client, c) {
  return new Promise((resolve) => {
    const out = {code: 'OK', details: '', responses: [], metadataOk: true};
    let ser = (b) => b, de = (b) => b, req;
    if (c.kind === 'unary_raw') {
      req = Buffer.from(c.request_hex, 'hex');
    } else {
      const m = methods[c.method];
      ser = m.requestSerialize; de = m.responseDeserialize;
      req = expand(c.request);
    }
    const call = client.makeUnaryRequest(c.method, ser, de, req, metadataOf(c),
      {deadline: deadlineOf(c)}, (err, resp) => {
        if (err) {
          out.code = codeName(err.code); out.details = err.details || '';
          out.metadataOk = out.metadataOk && metadataReadable(err.metadata);
        } else {
          out.responses.push(resp);
        }
      });
    call.on('metadata', (md) => { out.metadataOk = out.metadataOk && metadataReadable(md); });
    call.on('status', (st) => {
      out.metadataOk = out.metadataOk && metadataReadable(st.metadata);
      setImmediate(() => resolve(out)); // after the callback above
    });
  });
}

function runServerStream(client, c) {
  return new Promise((resolve) => {
    const out = {code: 'OK', details: '', responses: [], metadataOk: true};
    const m = methods[c.method];
    const call = client.makeServerStreamRequest(c.method, m.requestSerialize,
      m.responseDeserialize, expand(c.request), metadataOf(c), {deadline: deadlineOf(c)});
    if (c.cancel_after === 0) call.cancel();
    call.on('data', (msg) => {
      out.responses.push(msg);
      if (c.cancel_after !== undefined && out.responses.length >= c.cancel_after) call.cancel();
    });
    call.on('error', (err) => { out.code = codeName(err.code); out.details = err.details || ''; });
    call.on('status', () => setImmediate(() => resolve(out)));
  });
}

function runBidiPingPong(client, c) {
  return new Promise((resolve) => {
    const out = {code: 'OK', details: '', responses: [], metadataOk: true};
    const m = methods[c.method];
    const reqs = c.requests.map(expand);
    const call = client.makeBidiStreamRequest(c.method, m.requestSerialize,
      m.responseDeserialize, metadataOf(c), {deadline: deadlineOf(c)});
    let next = 0;
    const sendNext = () => {
      if (next < reqs.length) call.write(reqs[next++]);
      else call.end();
    };
    call.on('data', (msg) => { out.responses.push(msg); sendNext(); });
    call.on('error', (err) => { out.code = codeName(err.code); out.details = err.details || ''; });
    call.on('status', () => setImmediate(() => resolve(out)));
    sendNext();
  });
}

const RUNNERS = {unary: runUnary, unary_raw: runUnary, server_stream: runServerStream,
  bidi_pingpong: runBidiPingPong};

function verify(c, out) {
  const exp = c.expect;
  const why = [];
  const codes = Array.isArray(exp.code) ? exp.code : [exp.code];
  if (!codes.includes(out.code)) {
    why.push(`code ${out.code} (${JSON.stringify(out.details)}), want ${codes.join('|')}`);
    return why;
  }
  if (exp.details_contains && !out.details.includes(exp.details_contains)) {
    why.push(`details ${JSON.stringify(out.details)} lack ${JSON.stringify(exp.details_contains)}`);
  }
  if (exp.details_not_contains && out.details.includes(exp.details_not_contains)) {
    why.push('details echo request text');
  }
  if (exp.metadata_readable && !out.metadataOk) why.push('server metadata not readable');
  if (out.responses.length < (exp.min_messages || 0)) {
    why.push(`${out.responses.length} messages, want >= ${exp.min_messages}`);
  }
  if (out.code === 'OK' && c.kind.startsWith('unary')) {
    if (out.responses.length !== 1) {
      why.push('no response message');
    } else if (c.kind === 'unary') {
      const d = out.responses[0];
      for (const [k, v] of Object.entries(exp.response_equals || {})) {
        if (asText(d[k]) !== asText(v)) why.push(`${k} = ${asText(d[k])}, want ${asText(v)}`);
      }
      for (const k of exp.response_nonempty || []) {
        const v = d[k];
        if (!v || (Array.isArray(v) && v.length === 0)) why.push(`${k} empty`);
      }
    }
  }
  if (exp.sequence_field) {
    const seq = out.responses.map((r) => Number(r[exp.sequence_field]));
    if (seq.some((s, i) => s !== i + 1)) why.push(`sequence ${JSON.stringify(seq)}`);
  }
  if (exp.revision_field) {
    const want = c.requests.map((r) => Number(r.revision));
    const got = out.responses.map((r) => Number(r[exp.revision_field]));
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      why.push(`revisions ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    }
  }
  return why;
}

(async () => {
  let cases = JSON.parse(fs.readFileSync(casesPath, 'utf8')).cases;
  const opts = {'grpc.enable_http_proxy': 0, 'grpc.max_send_message_length': 64 << 20,
    'grpc.max_receive_message_length': 64 << 20};
  let creds = grpc.credentials.createInsecure();
  if (caPath) {
    creds = grpc.credentials.createSsl(fs.readFileSync(caPath));
    cases = cases.filter((c) => c.tls);
  }
  const client = new grpc.Client(target, creds, opts);
  const failed = [];
  for (const c of cases) {
    let why;
    let out = {code: '?', responses: []};
    try {
      out = await RUNNERS[c.kind](client, c);
      why = verify(c, out);
    } catch (e) {
      why = [`exception ${e && e.message}`];
    }
    if (why.length) {
      failed.push(c.name);
      console.log(`FAIL ${c.name}: ${why.join('; ')}`);
    } else {
      console.log(`PASS ${c.name} (${out.code}, ${out.responses.length} message(s))`);
    }
  }
  client.close();
  const version = require('@grpc/grpc-js/package.json').version;
  console.log(JSON.stringify({client: `@grpc/grpc-js ${version}`, tls: Boolean(caPath),
    cases: cases.length, failed}));
  process.exit(failed.length ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(2); });
