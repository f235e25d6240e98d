"""Runs as records: every measuring command is recorded with a status (also when it fails or is
cut short), the gate judges what was recorded (generate, `--framework junit`, the whole scan
whatever --severity showed) and refuses partial runs; CI logs show progress."""
import json
import shutil
import sqlite3
import textwrap
from pathlib import Path

from conftest import REPO, SYSTEM_PYTHON

GATE_DATA = REPO / "tests" / "data" / "gate"
PY = ["--python", SYSTEM_PYTHON]


def runs(project, command=None):
    db = sqlite3.connect(project / ".aqe" / "aqe.db")
    sql = "SELECT id, command, status, exit_code, summary_json FROM runs"
    rows = db.execute(sql + (" WHERE command = ?" if command else "") + " ORDER BY id",
                      (command,) if command else ()).fetchall()
    db.close()
    return [{"id": r[0], "command": r[1], "status": r[2], "exit_code": r[3],
             "summary": json.loads(r[4]) if r[4] else None} for r in rows]


def write(root: Path, rel: str, text: str):
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(textwrap.dedent(text))
    return p


def gates(project, conditions):
    write(project, "config/quality-gates.json", json.dumps({"threshold": 0, "conditions": conditions}))


def test_generate_is_recorded_and_the_gate_measures_tests_generated(aqe, project):
    write(project, "calc.py", """\
        def clamp(value: int, low: int = 0, high: int = 10) -> int:
            if value < low:
                return low
            if value > high:
                return high
            return value
        """)
    code, doc, err = aqe.json("generate", "calc.py", "--time-budget", "2", *PY, timeout=300)
    assert code == 0, err
    made = doc["data"]["tests_generated"]
    assert made >= 1
    [run] = runs(project, "generate")
    assert run["status"] == "success" and run["exit_code"] == 0
    assert run["summary"]["kind"] == "generate" and run["summary"]["tests_generated"] == made

    gates(project, [{"metric": "tests_generated", "op": ">=", "value": 1}])
    code, doc, err = aqe.json("quality-gate", "--junit", str(GATE_DATA / "junit-pass.xml"), "--fail-on-error")
    assert code == 0, doc
    [cond] = [c for c in doc["data"]["conditions"] if c["metric"] == "tests_generated"]
    assert cond["actual"] == made and cond["passed"] is True


def test_framework_junit_results_are_judged_by_the_gate(aqe, project):
    report = ('<testsuite><testcase classname="Math" name="adds"/>'
              '<testcase classname="Math" name="divides"><failure message="div by zero"/></testcase>'
              '</testsuite>')
    (project / "run.sh").write_text(f"#!/bin/sh\necho '{report}' > out.xml\nexit 1\n")
    code, _, err = aqe.json("execute", "--framework", "junit", "--command", "sh run.sh", "--junit", "out.xml")
    assert code == 1, err
    [run] = runs(project, "execute")
    assert run["status"] == "failure"
    assert (run["summary"]["passed"], run["summary"]["failed"]) == (1, 1)
    code, doc, _ = aqe.json("quality-gate", "--threshold", "10")
    assert code == 0, doc
    assert doc["data"]["metrics"]["test_pass_rate"] == 50
    assert any("execute run" in i for i in doc["data"]["inputs"])


def test_scan_stores_the_whole_measurement_whatever_severity_shows(aqe, project):
    write(project, "src/app.py", """\
        import subprocess

        def run(cmd):
            subprocess.call(cmd, shell=True)

        def calc(expr):
            return eval(expr)
        """)
    code, full, _ = aqe.json("security-scan", "src/")
    counts = full["data"]["counts"]
    assert counts["high"] >= 1 and counts["medium"] >= 1, full["data"]
    code, shown, _ = aqe.json("security-scan", "src/", "--severity", "high")
    assert code == 0
    assert {f["severity"] for f in shown["data"]["findings"]} == {"high"}
    assert shown["data"]["counts"]["medium"] == 0  # what is shown is filtered...
    last = runs(project, "security-scan")[-1]
    assert last["summary"]["counts"]["medium"] == counts["medium"]  # ...what is stored is not
    code, doc, _ = aqe.json("quality-gate", "--threshold", "0")
    assert code == 0, doc
    assert doc["data"]["metrics"]["security_medium"] == counts["medium"]
    assert doc["data"]["metrics"]["security_high"] == counts["high"]


def test_every_measuring_command_is_recorded_with_its_status(aqe, project):
    code, _, _ = aqe.json("execute", "no/such/dir", *PY)
    assert code == 3
    code, _, _ = aqe.json("security-scan", "no/such/dir")
    assert code == 3
    recorded = runs(project)
    assert [(r["command"], r["status"], r["exit_code"]) for r in recorded] == [
        ("execute", "error", 3), ("security-scan", "error", 3)]
    # A failed command measured nothing: the gate has nothing to judge.
    code, doc, _ = aqe.json("quality-gate")
    assert code == 3 and doc["errors"][0]["code"] == "NO_DATA"


def test_a_timed_out_run_is_partial_and_not_judged(aqe, project):
    shutil.copytree(GATE_DATA / "pyproj", project, dirs_exist_ok=True)
    code, _, err = aqe.json("execute", "tests/", *PY, timeout=300)
    assert code == 0, err
    write(project, "tests/test_slow.py", """\
        import time

        def test_slow():
            time.sleep(30)
        """)
    code, doc, _ = aqe.json("execute", "tests/", "--timeout", "2", *PY, timeout=300)
    assert code == 5
    assert [e["code"] for e in doc["errors"]] == ["TIMEOUT"], doc["errors"]
    statuses = [r["status"] for r in runs(project, "execute")]
    assert statuses == ["success", "timeout"]
    code, doc, _ = aqe.json("quality-gate", "--threshold", "0")
    assert code == 3
    err = doc["errors"][0]
    assert err["code"] == "PARTIAL_RUN" and "timeout" in err["message"], err
    # Explicit reports are still judged.
    code, doc, _ = aqe.json("quality-gate", "--threshold", "0", "--junit", str(GATE_DATA / "junit-pass.xml"),
                            "--coverage", str(GATE_DATA / "coverage.json"))
    assert code == 0, doc


def test_execute_json_artifact_key_is_null_unless_stored(aqe, project):
    shutil.copytree(GATE_DATA / "pyproj", project, dirs_exist_ok=True)
    code, doc, err = aqe.json("execute", "tests/", *PY, timeout=300)
    assert code == 0, err
    assert doc["data"]["artifact_key"] is None
    code, doc, err = aqe.json("execute", "tests/", *PY, "--store-artifacts", "--artifact-key", "k1", timeout=300)
    assert code == 0, err
    assert doc["data"]["artifact_key"] == "k1"
    assert (project / ".aqe" / "artifacts" / "default").is_dir()


def test_ci_logs_show_progress_as_plain_lines(aqe, project):
    write(project, "tests/test_wait.py", """\
        import time
        import pytest

        @pytest.mark.parametrize("i", range(8))
        def test_wait(i):
            time.sleep(1)
        """)
    p = aqe.run("execute", "tests/", "--workers", "1", *PY, env={"CI": "true"}, timeout=300)
    assert p.returncode == 0, p.stderr
    lines = [line for line in p.stderr.splitlines() if line.startswith("[")]
    assert lines, p.stderr  # alive after 5 s, and the end
    assert lines[-1].startswith("[8/8]"), lines
    assert "\x1b" not in p.stderr and "\r" not in p.stderr
    # --json/--quiet keep stderr free of progress.
    p = aqe.run("--json", "execute", "tests/", "--workers", "1", *PY, env={"CI": "true"}, timeout=300)
    assert not [line for line in p.stderr.splitlines() if line.startswith("[")]
