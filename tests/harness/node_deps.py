"""node_deps.py - installs the committed @grpc/grpc-js lockfile
(tests/interop/node/package-lock.json) into a node_modules directory with
`npm ci`, once per lockfile content; shared by the interop and WatchMetrics
node tests."""
import os
import shutil
import subprocess

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NODE_SRC = os.path.join(_REPO, "tests", "interop", "node")


def npm_ci(node_dir):
    """Installs the committed lockfile into node_dir once (stamped by its content)."""
    os.makedirs(node_dir, exist_ok=True)
    with open(os.path.join(NODE_SRC, "package-lock.json"), "rb") as f:
        want = f.read()
    stamp = os.path.join(node_dir, "node_modules", ".attune-lock")
    if os.path.exists(stamp):
        with open(stamp, "rb") as f:
            if f.read() == want:
                return
    for name in ("package.json", "package-lock.json"):
        shutil.copy(os.path.join(NODE_SRC, name), os.path.join(node_dir, name))
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=node_dir,
                   check=True, stdout=subprocess.DEVNULL, timeout=600)
    with open(stamp, "wb") as f:
        f.write(want)
