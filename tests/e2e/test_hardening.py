"""Hardening (issue 12), the cases built so far: a forced worker count is bounded, failure
messages are capped in the state DB (whole in JUnit), a state dir elsewhere takes the run's
files too; user files that crashed aqe (numbers overflowing a double, wrong JSON types, bytes
that are not UTF-8, deep nesting) are exit 3 naming the file and position; duplicate config
keys, non-finite or absurd flag values, a broken QE_PYTHON and credentials in config URLs."""
import json
import os
import sqlite3
import subprocess
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
    # The one command is aqe's annotation of the failure, with the message escaped in it.
    assert len(active) == 1, p.stdout
    assert active[0].startswith("::error file=tests/test_evil.py,line="), active[0]
    assert "boom%0D::error file=x::pwned " in active[0] and "%0A::warning::more" in active[0]
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


CONFIG_FILES = {"qe-fleet.json": '{"execute": {"timeout_s": 1e999}}',
                "quality-gates.json": '{\n  "threshold": 1e999\n}',
                "storage.json": '{"retention": {"default_days": -1e999}}'}


def write_config(project, name, text):
    (project / "config").mkdir(exist_ok=True)
    path = project / "config" / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def test_a_number_overflowing_a_double_in_any_config_file_names_file_and_position(aqe, project):
    expected = {"qe-fleet.json": "1:27", "quality-gates.json": "2:16", "storage.json": "1:32"}
    for name, text in CONFIG_FILES.items():
        path = write_config(project, name, text)
        p = aqe.run("config", "validate")
        assert p.returncode == 3, p.stderr
        assert f"config/{name}:{expected[name]}: invalid JSON: number overflow" in p.stderr, p.stderr
        code, doc, _ = aqe.json("config", "validate")
        assert code == 3
        assert doc["data"]["files"][0]["issues"][0]["code"] == "CONFIG_PARSE"
        path.unlink()


def test_gate_inputs_with_overflowing_numbers_or_wrong_types_are_input_errors(aqe, project):
    cases = {
        "s1.sarif": ('{"version": 5, "runs": []}', '--sarif', 's1.sarif: not a SARIF 2.1.0 log'),
        "s2.sarif": ('{"version": "2.1.0", "runs": [{"results": [{"level": 1e999}]}]}', '--sarif',
                     's2.sarif:1:'),
        "s3.sarif": ('{"version": "2.1.0", "runs": [{"results": [{"level": "error", "locations": 5}]}]}',
                     '--sarif', 'runs[0].results[0].locations: expected an array'),
        "c1.json": ('{"files": {"a.py": 5}}', '--coverage', 'c1.json: files["a.py"]: expected an object'),
        "c2.json": ('{"meta": [], "files": {}}', '--coverage', 'c2.json: meta: expected an object'),
        "c3.json": ('{"files": {"a.py": {"summary": {"covered_lines": 1e999}}}}', '--coverage',
                    'c3.json:1:'),
    }
    for name, (text, flag, message) in cases.items():
        (project / name).write_text(text)
        code, doc, err = aqe.json("quality-gate", flag, name)
        assert code == 3, (name, err)
        assert doc["errors"] and message in doc["errors"][0]["message"], (name, doc["errors"])
        assert "terminate called" not in err


def test_bytes_that_are_not_utf8_never_crash_a_json_document(aqe, project):
    write_config(project, "qe-fleet.json", b'{"llm": {"model": "\xff"}}')
    code, doc, err = aqe.json("config", "validate")
    assert code == 3, err
    assert doc["data"]["files"][0]["issues"][0]["code"] == "CONFIG_PARSE"
    assert doc["data"]["files"][0]["issues"][0]["line"] == 1
    (project / "config" / "qe-fleet.json").unlink()

    src = project / "src"
    src.mkdir()
    with open(os.path.join(os.fsencode(src), b"k\xffey.py"), "w") as f:
        f.write('AWS_KEY = "AKIAIOSFODNN7EXAMPLF"\n')
    code, doc, err = aqe.json("security-scan", "src")
    assert code == 0, err
    [finding] = doc["data"]["findings"]
    assert finding["rule_id"] == "aws-access-key-id"
    assert finding["file"] == "src/k\ufffdey.py"
    p = aqe.run("security-scan", "src", "--format", "sarif")
    assert p.returncode == 0, p.stderr
    sarif = json.loads(p.stdout)
    [result] = sarif["runs"][0]["results"]
    # A URI holds bytes percent-encoded (RFC 3986), so the name's byte survives exactly.
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/k%FFey.py"
    code, doc, err = aqe.json("security-scan", "src", "--write-baseline", "baseline.json")
    assert code == 0, err
    code, doc, err = aqe.json("security-scan", "src", "--baseline", "baseline.json")
    assert code == 0, err
    assert doc["data"]["findings"] == [] and doc["data"]["baselined"] == 1


def run_measured(aqe, *args):
    """Runs aqe and returns (exit code, stderr, peak RSS in KiB) of that one process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QE_")}
    proc = subprocess.Popen([aqe.binary, *args], cwd=aqe.cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    err = proc.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, err, usage.ru_maxrss


def test_deep_nesting_in_a_config_file_is_bounded_in_stack_and_memory(aqe, project):
    for depth in (20000, 100000):
        write_config(project, "qe-fleet.json", '{"a": ' + "[" * depth + "]" * depth + "}")
        code, err, rss_kib = run_measured(aqe, "config", "validate")
        assert code == 3, err
        assert "config/qe-fleet.json:1:134: invalid JSON: nesting deeper than 128 levels" in err, err
        # Before: SIGSEGV at 100,000 levels and 1.6 GB at 20,000 (ASan's own shadow included here).
        assert rss_kib < 300 * 1024, rss_kib


def test_duplicate_config_keys_name_the_repeated_key(aqe, project):
    write_config(project, "qe-fleet.json", '{"execute": {"workers": 2,\n  "workers": 3}}')
    p = aqe.run("config", "validate")
    assert p.returncode == 3
    assert "config/qe-fleet.json:2:3: duplicate key 'execute.workers'" in p.stderr, p.stderr
    p = aqe.run("execute", "tests/")
    assert p.returncode == 3
    assert "duplicate key" in p.stderr


def test_non_finite_or_absurd_numbers_name_the_flag_or_variable(aqe, project):
    (project / "tests").mkdir()
    (project / "tests" / "test_one.py").write_text("def test_one():\n    pass\n")
    cases = [
        (["quality-gate", "--threshold", "nan"], {}, "--threshold"),
        (["execute", "tests/", "--timeout", "-1"], {}, "--timeout"),
        (["execute", "tests/", "--timeout", "inf"], {}, "--timeout"),
        (["execute", "tests/", "--timeout", "1e300"], {}, "--timeout"),
        (["execute", "tests/", "--test-timeout", "inf"], {}, "--test-timeout"),
        (["execute", "tests/"], {"QE_EXECUTE_TIMEOUT": "inf"}, "QE_EXECUTE_TIMEOUT"),
        (["execute", "tests/"], {"QE_EXECUTE_TIMEOUT": "1e300"}, "QE_EXECUTE_TIMEOUT"),
    ]
    for args, env, name in cases:
        p = aqe.run(*args, *PY, env=env) if args[0] == "execute" else aqe.run(*args, env=env)
        assert p.returncode == 3, (args, env, p.returncode, p.stdout, p.stderr)
        assert name in p.stderr, (args, p.stderr)
    assert not (project / ".aqe" / "runs").exists() or not any((project / ".aqe" / "runs").iterdir())


def test_an_interpreter_that_is_not_python_is_exit_3_naming_qe_python(aqe, project):
    (project / "tests").mkdir()
    (project / "tests" / "test_one.py").write_text("def test_one():\n    pass\n")
    p = aqe.run("execute", "tests/", env={"QE_PYTHON": "/bin/false"})
    assert p.returncode == 3, (p.returncode, p.stderr)
    assert "'/bin/false' (from QE_PYTHON)" in p.stderr, p.stderr


def test_a_credential_in_a_config_url_is_redacted_and_warned_about(aqe, project):
    write_config(project, "qe-fleet.json", '{"llm": {"base_url": "https://user:s3cr3t-t0ken@llm.example.com/v1"}}')
    p = aqe.run("config", "validate")
    assert p.returncode == 0, p.stderr
    assert "config/qe-fleet.json:1:10: 'llm.base_url' holds a credential" in p.stderr, p.stderr
    assert "s3cr3t" not in p.stdout + p.stderr
    p = aqe.run("config", "show")
    assert p.returncode == 0, p.stderr
    assert 'llm.base_url = "https://***@llm.example.com/v1"' in p.stdout, p.stdout
    assert "s3cr3t" not in p.stdout + p.stderr
    code, doc, err = aqe.json("config", "show")
    assert code == 0
    assert doc["data"]["effective"]["llm"]["base_url"] == "https://***@llm.example.com/v1"
    assert "s3cr3t" not in json.dumps(doc) + err


def test_a_huge_sql_string_in_a_scanned_file_is_not_a_crash(aqe, project):
    (project / "q.py").write_text('def f(x, c):\n    c.execute(f"select {x} ' + "a " * 300000 + ' from t")\n')
    code, doc, err = aqe.json("security-scan", "q.py")
    assert code == 0, (code, err)
    assert doc["data"]["files_scanned"] == 1
