"""Foundation behaviour seen through a real command (execute): interrupt handling of a child
process tree, concurrent writers of .aqe/aqe.db, and interpreter discovery."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import SYSTEM_PYTHON, _aqe_bin

PYENV_PYTHON_HINT = "python3"


def write_suite(project, body):
    (project / "tests").mkdir(exist_ok=True)
    (project / "tests" / "test_a.py").write_text(body)


def processes_with_marker(marker):
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [l for l in out.splitlines() if marker in l and "ps -eo" not in l]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT],
                         ids=lambda s: s.name)
def test_signal_ends_child_tree_and_exits_130(aqe, project, sig):
    marker = f"aqe-e2e-sleeper-{os.getpid()}-{time.monotonic_ns()}"
    write_suite(project, f"""
import subprocess, time
def test_hangs():
    # A grandchild that would outlive a careless parent.
    subprocess.Popen(["sh", "-c", "sleep 300; : {marker}"])
    time.sleep(300)
""")
    (project / "tests" / "marker.txt").write_text(marker)
    env = {k: v for k, v in os.environ.items() if not k.startswith("QE_")}
    p = subprocess.Popen([_aqe_bin(), "execute", "tests/", "--python", SYSTEM_PYTHON, "--json"],
                         cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not processes_with_marker(f"sleep 300; : {marker}"):
            time.sleep(0.2)
        assert processes_with_marker(f"sleep 300; : {marker}"), "test never started"
        p.send_signal(sig)
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 130, err
    doc = json.loads(out)
    assert doc["exit_code"] == 130
    assert [e["code"] for e in doc["errors"]] == ["INTERRUPTED"], doc["errors"]
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and processes_with_marker(marker):
        time.sleep(0.3)
    assert not processes_with_marker(marker), "a child process outlived aqe"
    # The state DB stays valid after the interrupt, and the run is recorded as interrupted.
    con = sqlite3.connect(project / ".aqe" / "aqe.db")
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT status, exit_code FROM runs").fetchall() == [("interrupted", 130)]


def test_two_concurrent_runs_both_record(aqe, project):
    write_suite(project, "import time\n" + "".join(
        f"def test_{i}():\n    time.sleep(0.05)\n" for i in range(20)))
    env = {k: v for k, v in os.environ.items() if not k.startswith("QE_")}
    procs = [subprocess.Popen([_aqe_bin(), "--json", "execute", "tests/", "--python", SYSTEM_PYTHON],
                              cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    results = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, results):
        assert p.returncode == 0, err
        assert json.loads(out)["data"]["passed"] == 20
    con = sqlite3.connect(project / ".aqe" / "aqe.db")
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT count(*) FROM runs WHERE command='execute'").fetchone()[0] == 2
    assert con.execute("SELECT count(*) FROM test_results").fetchone()[0] == 40


def test_venv_in_project_is_detected(aqe, project):
    subprocess.run([SYSTEM_PYTHON, "-m", "venv", "--system-site-packages", "--without-pip",
                    str(project / ".venv")], check=True)
    write_suite(project, "def test_ok():\n    assert True\n")
    rc, doc, err = aqe.json("execute", "tests/")
    assert rc == 0, err
    assert doc["data"]["passed"] == 1


def test_interpreter_without_pytest_names_it_and_the_fix(aqe, project, tmp_path):
    # A venv without system site packages cannot import pytest.
    bare = tmp_path / "bare"
    subprocess.run([SYSTEM_PYTHON, "-m", "venv", "--without-pip", str(bare)], check=True)
    write_suite(project, "def test_ok():\n    assert True\n")
    rc, doc, _ = aqe.json("execute", "tests/", env={"QE_PYTHON": str(bare / "bin" / "python")})
    assert rc == 3
    err = doc["errors"][0]
    assert str(bare / "bin" / "python") in err["message"]
    assert "QE_PYTHON" in err["message"]
    assert "pytest" in err["message"]
    assert "--system-site-packages" in err["hint"] or "pip install" in err["hint"]


def test_missing_interpreter_flag_is_exit_3(aqe, project):
    write_suite(project, "def test_ok():\n    assert True\n")
    rc, doc, _ = aqe.json("execute", "tests/", "--python", "/nonexistent/python")
    assert rc == 3
    assert "/nonexistent/python" in doc["errors"][0]["message"]
