#!/usr/bin/python3
"""test_cli.py - unit tests of the `attune` CLI as a user runs it, offline
(no server): help and usage exit codes, --json output, --jsonl batch exit
codes and per-line errors, the error line format for an unreachable server.
Usage: test_cli.py PATH_TO_attune"""
import json
import socket
import subprocess
import sys
import unittest

CLI = None
SEEKER = ("After pausing my career for several years to start a family, it's time to go back "
          "to work, but I feel rusty, unmotivated and anxious about re-entering the job market.")
DRAFT_B = ("I've struggled with the same problem. The best way to tackle it is to just jump "
           "right in and give it your best.")


def run(*args, stdin=b""):
    p = subprocess.run([CLI, *args], input=stdin, capture_output=True, timeout=30)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    return port


class Cli(unittest.TestCase):
    def test_help_and_usage_exit_codes(self):
        rc, out, _ = run("--help")
        self.assertEqual(rc, 0)
        self.assertIn("score", out)
        self.assertIn("health", out)
        rc, out, _ = run("score", "--help")
        self.assertEqual(rc, 0)
        self.assertIn("--jsonl", out)
        self.assertIn("--tls-ca", out)
        rc, out, _ = run("health", "--help")
        self.assertEqual(rc, 0)
        self.assertEqual(run()[0], 2)
        self.assertEqual(run("frobnicate")[0], 2)
        rc, _, err = run("score", "--offline", "--bogus")
        self.assertEqual(rc, 2)
        self.assertIn("attune: score:", err)
        self.assertEqual(run("score", "--offline", "--seeker", "x")[0], 2)  # no draft
        self.assertEqual(run("score", "--offline", "--draft")[0], 2)  # missing value
        self.assertEqual(run("score", "--offline", "--draft", "x", "--max-suggestions", "9")[0], 2)
        self.assertEqual(run("score", "--offline", "--draft", "x", "--channel", "fax")[0], 2)
        self.assertEqual(run("score", "--offline", "--jsonl", "-", "--draft", "x")[0], 2)
        self.assertEqual(run("score", "--offline", "--jsonl", "/nonexistent/in.jsonl")[0], 2)
        self.assertEqual(
            run("score", "--offline", "--seeker-file", "-", "--draft-file", "-")[0], 2)

    def test_json_single(self):
        rc, out, err = run("score", "--offline", "--seeker", SEEKER, "--draft", DRAFT_B, "--json")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out.count("\n"), 1)
        obj = json.loads(out)
        for key in ("score", "levels", "findings", "suggestions", "risk"):
            self.assertIn(key, obj)
        self.assertEqual(set(obj["levels"]), {"acknowledge", "reflect", "explore"})
        self.assertTrue(obj["human_review_required"])
        self.assertTrue(0 <= obj["score"] <= 100)
        self.assertIn(obj["risk"]["level"], ("none", "low", "moderate", "high"))
        for f in obj["findings"]:
            self.assertRegex(f["kind"], r"^[a-z_]+$")
            self.assertLessEqual(f["end"], len(DRAFT_B.encode()))

    def test_draft_from_stdin_and_report(self):
        rc, out, err = run("score", "--offline", "--seeker", SEEKER, "--draft-file", "-",
                           stdin=DRAFT_B.encode())
        self.assertEqual(rc, 0, err)
        self.assertIn("Score ", out)
        self.assertIn("Findings", out)
        self.assertIn("Risk: ", out)
        self.assertNotIn("\033[", out)  # not a TTY: no colour

    def test_jsonl_exit_codes(self):
        good = (json.dumps({"id": 1, "seeker": SEEKER, "draft": DRAFT_B}) + "\n").encode()
        rc, out, err = run("score", "--offline", "--jsonl", "-", stdin=good + b"\n" + good)
        self.assertEqual(rc, 0, err)
        lines = out.splitlines()
        self.assertEqual(len(lines), 2)
        self.assertEqual(lines[0], lines[1])
        self.assertEqual(list(json.loads(lines[0]))[:2], ["id", "score"])
        bad = b'{"id":"x","draft":"SECRETWORD", "prior_turns": [1]}\n'
        rc, out, err = run("score", "--offline", "--jsonl", "-", stdin=good + bad + good)
        self.assertEqual(rc, 1)
        lines = [json.loads(l) for l in out.splitlines()]
        self.assertEqual(len(lines), 3)
        self.assertEqual(lines[1]["id"], "x")
        self.assertEqual(lines[1]["error"]["code"], "INVALID_ARGUMENT")
        self.assertNotIn("SECRETWORD", out + err)

    def test_unreachable_server(self):
        port = closed_port()
        rc, out, err = run("health", "--target", "127.0.0.1:%d" % port, "--deadline-ms", "3000")
        self.assertEqual(rc, 1)
        self.assertRegex(err, r"^attune: health: UNAVAILABLE: ")
        rc, out, err = run("score", "--target", "127.0.0.1:%d" % port, "--deadline-ms", "3000",
                           "--seeker", "SECRETWORD", "--draft", "SECRETWORD")
        self.assertEqual(rc, 1)
        self.assertRegex(err, r"^attune: score: UNAVAILABLE: ")
        self.assertNotIn("SECRETWORD", err)
        line = (json.dumps({"id": "q", "draft": "hello"}) + "\n").encode()
        rc, out, err = run("score", "--target", "127.0.0.1:%d" % port, "--deadline-ms", "3000",
                           "--jsonl", "-", stdin=line * 2)
        self.assertEqual(rc, 1)
        lines = [json.loads(l) for l in out.splitlines()]
        self.assertEqual([l["error"]["code"] for l in lines], ["UNAVAILABLE"] * 2)


if __name__ == "__main__":
    CLI = sys.argv.pop(1)
    unittest.main(verbosity=2)
