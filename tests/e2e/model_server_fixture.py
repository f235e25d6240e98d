"""pytest fixture: the scripted model server (tests/servers/model_server.py) on 127.0.0.1."""
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

SERVER = Path(__file__).resolve().parents[1] / "servers" / "model_server.py"


class ModelServer:
    def __init__(self, script_path):
        self.script_path = script_path
        self.proc = subprocess.Popen([sys.executable, str(SERVER), str(script_path)],
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().split()
        assert line and line[0] == "PORT", f"model server did not start: {line}"
        self.port = int(line[1])
        self.base_url = f"http://127.0.0.1:{self.port}/v1"

    def script(self, responses, repeat_last=True, by_model=None):
        """by_model: {"<model>": [step, ...]}, each model's requests answered by its own steps."""
        self.script_path.write_text(json.dumps({"responses": responses, "repeat_last": repeat_last,
                                                "by_model": by_model or {}}))

    def stats(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_stats", timeout=5) as r:
            return json.loads(r.read())

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=5)


@pytest.fixture
def model_server(tmp_path):
    script = tmp_path / "model_script.json"
    script.write_text(json.dumps({"responses": []}))
    s = ModelServer(script)
    yield s
    s.stop()
