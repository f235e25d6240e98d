"""How aqe execute hands options to pytest: --pytest-arg takes one value, and pytest's cache
options (which need the cache provider aqe turns off) are a usage error that says so."""
import json
import sqlite3

import pytest

from conftest import SYSTEM_PYTHON


def write_two_files(project):
    tests = project / "tests"
    tests.mkdir()
    (tests / "test_one.py").write_text("def test_keep():\n    pass\n\ndef test_drop():\n    pass\n")
    (tests / "test_two.py").write_text("def test_keep_too():\n    pass\n")


def test_pytest_arg_leaves_a_missing_path_positional(aqe, project):
    write_two_files(project)
    code, doc, err = aqe.json("execute", "--python", SYSTEM_PYTHON, "--pytest-arg=-v", "tests/nonexist.py")
    assert code == 3, err
    assert doc["errors"][0]["code"] == "PATH_NOT_FOUND"
    assert "tests/nonexist.py" in doc["errors"][0]["message"]


@pytest.mark.parametrize("form", ["equals", "space"])
def test_paths_after_pytest_arg_select_the_suite(aqe, project, form):
    write_two_files(project)
    pytest_args = (["--pytest-arg=-k", "--pytest-arg=keep"] if form == "equals"
                   else ["--pytest-arg", "-k", "--pytest-arg", "keep"])
    code, doc, err = aqe.json("execute", "--python", SYSTEM_PYTHON, *pytest_args, "tests/test_one.py")
    assert code == 0, err
    d = doc["data"]
    # -k keep in tests/test_one.py only: test_two.py's test_keep_too is not part of this run.
    assert (d["tests_run"], d["passed"]) == (1, 1), d
    # The run is keyed by its paths (its durations and worker count are this suite's).
    with sqlite3.connect(project / ".aqe" / "aqe.db") as db:
        args = db.execute("SELECT args_json FROM runs WHERE command = 'execute'").fetchall()
    assert [json.loads(a)["paths"] for (a,) in args] == [["tests/test_one.py"]]



@pytest.mark.parametrize("option,names", [
    ("--lf", "--fail-fast"), ("--last-failed", "--fail-fast"), ("--ff", "--fail-fast"),
    ("--failed-first", "--fail-fast"), ("--sw", "--fail-fast"), ("--stepwise", "--fail-fast"),
    ("--nf", "longest first"), ("--cache-clear", ".aqe")])
@pytest.mark.parametrize("how", ["pytest-arg", "double-dash"])
def test_pytest_cache_options_are_a_usage_error_that_names_them(aqe, project, option, names, how):
    write_two_files(project)
    args = [f"--pytest-arg={option}"] if how == "pytest-arg" else ["--", option]
    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, *args)
    assert code == 3, err
    e = doc["errors"][0]
    assert e["code"] == "USAGE"
    assert f"'{option}'" in e["message"] and "cache provider" in e["message"]
    assert names in e["hint"]
    # Refused before any worker started: no execute run was recorded as having run tests.
    assert "tests_run" not in doc["data"]


@pytest.mark.parametrize("where", ["addopts", "PYTEST_ADDOPTS"])
def test_cache_options_in_the_project_pytest_options_are_turned_off_and_said(aqe, project, where):
    """`--lf` (or --sw, --lfnf VALUE) in the project's addopts made every aqe run fail with
    pytest's "unrecognized arguments": the workers run without them, and the run says so once."""
    write_two_files(project)
    env = None
    if where == "addopts":
        (project / "pytest.ini").write_text("[pytest]\naddopts = --lf --lfnf all -ra --sw\n")
    else:
        env = {"PYTEST_ADDOPTS": "--ff --lfnf=none"}
    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--workers", "2", env=env)
    assert code == 0, (doc, err)
    assert doc["data"]["passed"] == 3, doc
    notes = [w for w in doc["warnings"] if "cache" in w]
    assert len(notes) == 1, doc["warnings"]
    for name in (["--lf", "--lfnf", "--sw"] if where == "addopts" else ["--ff", "--lfnf"]):
        assert name in notes[0], notes
