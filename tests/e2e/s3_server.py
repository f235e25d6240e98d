"""Starts tests/servers/s3_fault_server.py (botocore-verified SigV4, objects in memory) on
127.0.0.1 with a free port for an e2e test, and stops it afterwards."""
import contextlib
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SERVER = REPO / "tests" / "servers" / "s3_fault_server.py"
BUCKET = "aqe-e2e"
ACCESS_KEY = "AKIDAQEE2E"
SECRET = "aqe/E2E+Secret/Key0123456789abcdefghij"
REGION = "eu-west-3"


@contextlib.contextmanager
def fault_server():
    """Yields the endpoint URL ("http://127.0.0.1:PORT") of a running server."""
    with tempfile.TemporaryDirectory(prefix="aqe-s3-") as d:
        port_file = os.path.join(d, "port")
        p = subprocess.Popen(["/usr/bin/python3", str(SERVER), "--port-file", port_file, "--bucket", BUCKET,
                              "--access-key", ACCESS_KEY, "--secret-key", SECRET, "--region", REGION],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        try:
            deadline = time.monotonic() + 15
            while not os.path.exists(port_file):
                if p.poll() is not None:
                    raise RuntimeError("s3_fault_server exited: " + p.stderr.read().decode(errors="replace"))
                if time.monotonic() > deadline:
                    raise RuntimeError("s3_fault_server was not ready within 15 s")
                time.sleep(0.05)
            yield "http://127.0.0.1:" + Path(port_file).read_text().strip()
        finally:
            p.terminate()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            p.stderr.close()


def server_state(endpoint):
    with urllib.request.urlopen(endpoint + "/__state__", timeout=5) as r:
        return json.loads(r.read())


def control(endpoint, path, doc):
    req = urllib.request.Request(endpoint + path, data=json.dumps(doc).encode(), method="POST")
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.loads(r.read() or b"{}")


def inject(endpoint, **fault):
    """A fault for the next matching requests (see s3_fault_server.py), e.g.
    inject(e, method="PUT", path_contains="manifest.json", kind="error500", times=3)."""
    control(endpoint, "/__fault__", fault)


def read_object(endpoint, key):
    with urllib.request.urlopen(endpoint + "/__object__?" + urllib.parse.urlencode({"key": key}), timeout=5) as r:
        return r.read()


def write_object(endpoint, key, text):
    control(endpoint, "/__object__", {"key": key, "text": text})


def closed_port():
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def s3_env():
    return {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET}


def s3_storage_json(endpoint, **extra):
    doc = {"backend": "s3", "s3": {"bucket": BUCKET, "region": REGION, "endpoint_url": endpoint,
                                   "force_path_style": True, "prefix": "ci/aqe/"}}
    doc.update(extra)
    return json.dumps(doc)
