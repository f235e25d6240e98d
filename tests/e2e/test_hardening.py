"""Hardening (issue 12), the cases built so far: a forced worker count is bounded, failure
messages are capped in the state DB (whole in JUnit), a state dir elsewhere takes the run's
files too."""
import sqlite3
import xml.etree.ElementTree as ET

from conftest import SYSTEM_PYTHON

PY = ["--python", SYSTEM_PYTHON]


def test_workers_100000_on_four_tests_is_capped(aqe, project):
    (project / "tests").mkdir()
    (project / "tests" / "test_four.py").write_text("".join(f"def test_{i}():\n    pass\n" for i in range(4)))
    code, doc, err = aqe.json("execute", "tests/", "--workers", "100000", *PY, timeout=300)
    assert code == 0, err
    assert doc["data"]["passed"] == 4
    assert doc["data"]["workers"] <= 16
    assert any("capped" in w for w in doc["warnings"]), doc["warnings"]
    # With the test list known, no more workers than tests.
    code, doc, err = aqe.json("execute", "tests/", "--workers", "100000", *PY, timeout=300)
    assert code == 0, err
    assert doc["data"]["workers"] == 4


def test_a_huge_failure_message_is_capped_in_the_db_and_whole_in_junit(aqe, project):
    (project / "tests").mkdir()
    (project / "tests" / "test_big.py").write_text(
        "def test_big():\n    raise AssertionError('m' * (10 * 1024 * 1024))\n")
    code, doc, err = aqe.json("execute", "tests/", *PY, timeout=300)
    assert code == 1, err
    db = project / ".aqe" / "aqe.db"
    con = sqlite3.connect(db)
    [(size,)] = con.execute("SELECT length(message) FROM test_results").fetchall()
    con.close()
    assert size < 70 * 1024
    assert db.stat().st_size < 2 * 1024 * 1024
    case = ET.parse(doc["data"]["junit_xml"]).getroot().iter("testcase").__next__()
    failure = case.find("failure")
    assert failure is not None
    assert len((failure.get("message") or "") + (failure.text or "")) > 10 * 1024 * 1024


def test_state_dir_elsewhere_also_holds_the_run_files(aqe, project, tmp_path):
    (project / "tests").mkdir()
    (project / "tests" / "test_one.py").write_text("def test_one():\n    pass\n")
    state = tmp_path / "state"
    code, doc, err = aqe.json("execute", "tests/", *PY, env={"QE_STATE_DIR": str(state)}, timeout=300)
    assert code == 0, err
    assert doc["data"]["junit_xml"].startswith(str(state / "runs"))
    assert not (project / ".aqe").exists()


def command_lines_outside_fence(stdout):
    """Lines the GitHub runner would read as workflow commands: it splits on CR and LF and
    ignores everything between ::stop-commands::TOKEN and ::TOKEN::."""
    active, token, seen = [], None, []
    for line in stdout.replace("\r", "\n").split("\n"):
        if token:
            if line == f"::{token}::":
                token = None
            continue
        if line.startswith("::stop-commands::"):
            token = line[len("::stop-commands::"):]
            seen.append(token)
            continue
        if line.lstrip().startswith("::"):
            active.append(line)
    return active, seen


def test_project_text_cannot_become_a_workflow_command_or_an_escape(aqe, project):
    (project / "tests").mkdir()
    (project / "tests" / "test_evil.py").write_text(
        "def test_evil():\n"
        "    raise AssertionError('boom\\r::error file=x::pwned \\x1b[2J\\n::warning::more')\n")
    p = aqe.run("execute", "tests/", *PY, env={"GITHUB_ACTIONS": "true"}, timeout=300)
    assert p.returncode == 1, p.stderr
    active, seen = command_lines_outside_fence(p.stdout)
    assert active == [], p.stdout
    assert len(seen) == 1 and len(seen[0]) >= 20
    assert "\x1b" not in p.stdout and "\x1b" not in p.stderr
    assert "FAILED tests/test_evil.py::test_evil" in p.stdout


def test_gate_annotations_stay_workflow_commands(aqe, project):
    from conftest import REPO
    data = REPO / "tests" / "data" / "gate"
    p = aqe.run("quality-gate", "--threshold", "99", "--junit", str(data / "junit-fail.xml"),
                env={"GITHUB_ACTIONS": "true"})
    assert p.returncode == 0
    active, _ = command_lines_outside_fence(p.stdout)
    assert any(line.startswith("::warning title=Quality gate::") for line in active), p.stdout
