"""E2E tests drive the built aqe binary the way a user does.

The binary comes from $AQE_BIN (scripts/test.sh runs this suite once per build: normal and
ASan+UBSan). Each test gets its own project directory.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# The interpreter that has Debian's pytest/coverage; the tests hand it to aqe via --python.
SYSTEM_PYTHON = "/usr/bin/python3"


def _aqe_bin():
    b = os.environ.get("AQE_BIN")
    if not b:
        b = str(REPO / "build" / "debug" / "aqe")
    return b


class Aqe:
    def __init__(self, binary, cwd):
        self.binary = binary
        self.cwd = Path(cwd)

    def run(self, *args, env=None, input=None, timeout=120, cwd=None):
        e = {k: v for k, v in os.environ.items()
             if not k.startswith("QE_") and k not in ("CI", "GITHUB_ACTIONS", "GITLAB_CI")}
        e.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        if env:
            e.update(env)
        p = subprocess.run([self.binary, *map(str, args)], cwd=str(cwd or self.cwd), env=e,
                           input=input, capture_output=True, text=True, timeout=timeout)
        return p

    def json(self, *args, **kw):
        """Runs with --json and returns (exit code, parsed stdout, stderr)."""
        p = self.run("--json", *args, **kw)
        try:
            doc = json.loads(p.stdout)
        except json.JSONDecodeError:
            raise AssertionError(f"stdout is not JSON (exit {p.returncode}):\n{p.stdout}\n--- stderr:\n{p.stderr}")
        return p.returncode, doc, p.stderr


@pytest.fixture
def project(tmp_path):
    d = tmp_path / "proj"
    d.mkdir()
    return d


@pytest.fixture
def aqe(project):
    return Aqe(_aqe_bin(), project)


@pytest.fixture
def demo_copy(tmp_path):
    """A fresh copy of examples/demo (without state, caches or tests left by `make demo`)."""
    dst = tmp_path / "demo"
    shutil.copytree(REPO / "examples" / "demo", dst,
                    ignore=shutil.ignore_patterns(".aqe", ".venv", "__pycache__", ".coverage*", "generated",
                                                  ".pytest_cache"))
    return dst


def assert_envelope(doc, command, exit_code):
    for key in ("status", "command", "version", "exit_code", "data", "warnings", "errors",
                "timestamp", "duration_ms"):
        assert key in doc, f"envelope lacks {key}: {doc}"
    assert doc["command"] == command
    assert doc["exit_code"] == exit_code
    assert doc["status"] in ("success", "failure", "error")
