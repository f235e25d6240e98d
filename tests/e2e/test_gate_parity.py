"""The gate and aqe's own files as a user's tools expect them: the diff base a repository whose
default branch is not main gets, a state dir git ignores by itself, the interpreter config show
names, and one run's figures alike from the DB and from aqe's junit.xml (issue 18)."""
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from conftest import REPO, SYSTEM_PYTHON

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_NOSYSTEM": "1", "PATH": "/usr/bin:/bin"}
NO_CI = {k: "" for k in ("GITHUB_EVENT_NAME", "GITHUB_REF", "GITHUB_HEAD_REF", "GITHUB_BASE_REF", "GITHUB_SHA",
                         "GITHUB_REF_NAME", "CI_COMMIT_BRANCH", "CI_MERGE_REQUEST_IID", "CI_COMMIT_SHA",
                         "CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "BRANCH_NAME", "CHANGE_ID", "CHANGE_TARGET",
                         "GIT_COMMIT")}


def git(cwd, *args):
    p = subprocess.run(["git", *args], cwd=cwd, env={**GIT_ENV, "HOME": str(cwd)}, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return p.stdout


def coverage_xml(project, lines):
    rows = "".join(f'<line number="{n}" hits="{h}"/>' for n, h in lines.items())
    return ('<?xml version="1.0" ?><coverage version="7.0" line-rate="0" branch-rate="0">'
            f'<sources><source>{project}</source></sources><packages><package name="."><classes>'
            f'<class name="calc.py" filename="calc.py" line-rate="0"><methods/><lines>{rows}</lines></class>'
            "</classes></package></packages></coverage>")


def make_repo(project, default_branch):
    """`default_branch` with calc.py, then branch feature adding two lines (one covered)."""
    git(project, "init", "-q", "-b", default_branch)
    (project / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "base")
    git(project, "checkout", "-q", "-b", "feature")
    (project / "calc.py").write_text("def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n")
    git(project, "commit", "-q", "-am", "feature")
    (project / "coverage.xml").write_text(coverage_xml(project, {1: 1, 2: 1, 5: 1, 6: 0}))


def test_default_base_is_master_in_a_repository_whose_default_branch_is_master(aqe, project):
    make_repo(project, "master")
    code, doc, _ = aqe.json("quality-gate", "--threshold", "0", "--coverage", "coverage.xml", env=NO_CI)
    assert code == 0, doc
    diff = doc["data"]["diff"]
    assert diff["base"] == "master" and diff["base_reason"] == "master exists"
    assert diff["merge_base"] == git(project, "rev-parse", "master").strip()
    assert diff["lines"] == 2 and diff["lines_covered"] == 1
    assert doc["data"]["metrics"]["diff_coverage"] == 50


def test_default_base_follows_origin_head_before_a_stale_local_main(aqe, tmp_path):
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    make_repo(upstream, "master")
    git(upstream, "checkout", "-q", "master")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(upstream), str(clone))
    assert git(clone, "symbolic-ref", "refs/remotes/origin/HEAD").strip() == "refs/remotes/origin/master"
    # A local main left over from somewhere else: origin/HEAD names the remote's default.
    git(clone, "checkout", "-q", "-b", "main")
    (clone / "other.py").write_text("x = 1\n")
    git(clone, "add", "-A")
    git(clone, "commit", "-q", "-m", "stale main")
    git(clone, "checkout", "-q", "-b", "work", "origin/feature")
    (clone / "coverage.xml").write_text(coverage_xml(clone, {1: 1, 2: 1, 5: 1, 6: 0}))
    code, doc, _ = aqe.json("quality-gate", "--threshold", "0", "--coverage", "coverage.xml", env=NO_CI, cwd=clone)
    assert code == 0, doc
    diff = doc["data"]["diff"]
    assert diff["base"] == "origin/master" and diff["base_reason"] == "origin/HEAD points to it"
    assert diff["lines"] == 2
    # Without origin/HEAD, origin/main and origin/master come before the local branches.
    git(clone, "remote", "set-head", "origin", "--delete")
    code, doc, _ = aqe.json("quality-gate", "--threshold", "0", "--coverage", "coverage.xml", env=NO_CI, cwd=clone)
    assert doc["data"]["diff"]["base"] == "origin/master"
    assert doc["data"]["diff"]["base_reason"] == "origin/master exists"


def test_no_default_base_names_every_ref_tried(aqe, project):
    make_repo(project, "trunk")
    code, doc, _ = aqe.json("quality-gate", "--threshold", "0", "--coverage", "coverage.xml", env=NO_CI)
    assert code == 0
    assert doc["data"]["metrics"]["diff_coverage"] is None
    warning = next(w for w in doc["warnings"] if "diff_coverage not measured" in w)
    for ref in ("origin/HEAD", "origin/main", "origin/master", "main", "master", "--base"):
        assert ref in warning, warning


JUNIT = ('<testsuites><testsuite name="pytest" tests="1"><testcase classname="t" name="ok" time="0.1"/>'
         "</testsuite></testsuites>")


def test_state_dir_aqe_creates_is_ignored_by_git(aqe, project):
    git(project, "init", "-q", "-b", "main")
    (project / "junit.xml").write_text(JUNIT)
    code, _, err = aqe.json("quality-gate", "--threshold", "0", "--junit", "junit.xml")
    assert code == 0, err
    assert (project / ".aqe" / "aqe.db").exists()
    ignore = (project / ".aqe" / ".gitignore").read_text()
    assert "*" in ignore.splitlines()
    # git sees junit.xml, nothing of .aqe/ (not even the .gitignore itself).
    status = git(project, "status", "--porcelain", "--untracked-files=all")
    assert status.splitlines() == ["?? junit.xml"], status
    # Config files aqe reads from .aqe/ are not hidden from git.
    (project / ".aqe" / "quality-gates.json").write_text("{}\n")
    status = git(project, "status", "--porcelain", "--untracked-files=all")
    assert sorted(status.splitlines()) == ["?? .aqe/quality-gates.json", "?? junit.xml"], status
    # The same under a QE_STATE_DIR aqe creates.
    code, _, err = aqe.json("quality-gate", "--threshold", "0", "--junit", "junit.xml",
                            env={"QE_STATE_DIR": "build/state"})
    assert code == 0, err
    assert (project / "build" / "state" / ".gitignore").read_text() == ignore


def test_state_dir_gitignore_never_replaces_the_users(aqe, project):
    (project / "junit.xml").write_text(JUNIT)
    state = project / ".aqe"
    state.mkdir()
    (state / ".gitignore").write_text("aqe.db\n")
    assert aqe.json("quality-gate", "--threshold", "0", "--junit", "junit.xml")[0] == 0
    assert (state / ".gitignore").read_text() == "aqe.db\n"
    # A state dir the user made without one stays without one: the user keeps it as they like.
    other = project / "mine"
    other.mkdir()
    assert aqe.json("quality-gate", "--threshold", "0", "--junit", "junit.xml",
                    env={"QE_STATE_DIR": "mine"})[0] == 0
    assert (other / "aqe.db").exists() and not (other / ".gitignore").exists()


def make_venv_python(project):
    bin_dir = project / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    os.symlink(SYSTEM_PYTHON, bin_dir / "python")


def test_config_show_names_the_interpreter_execute_uses(aqe, project):
    make_venv_python(project)
    code, doc, _ = aqe.json("config", "show")
    assert code == 0
    assert doc["data"]["python"] == {"path": ".venv/bin/python", "source": ".venv", "error": None}
    text = aqe.run("config", "show").stdout
    assert "# python: .venv/bin/python (from .venv)" in text
    # QE_PYTHON, and python.interpreter in a file, are named as such.
    code, doc, _ = aqe.json("config", "show", env={"QE_PYTHON": SYSTEM_PYTHON})
    assert doc["data"]["python"]["path"] == SYSTEM_PYTHON and doc["data"]["python"]["source"] == "QE_PYTHON"
    (project / "config").mkdir()
    (project / "config" / "qe-fleet.json").write_text('{"python": {"interpreter": "%s"}}' % SYSTEM_PYTHON)
    code, doc, _ = aqe.json("config", "show")
    assert doc["data"]["python"]["path"] == SYSTEM_PYTHON
    assert doc["data"]["python"]["source"].startswith("python.interpreter (config/qe-fleet.json")
    # The one execute runs: its JSON names the same interpreter.
    (project / "config" / "qe-fleet.json").unlink()
    (project / "test_one.py").write_text("def test_ok():\n    pass\n")
    code, run, err = aqe.json("execute", "test_one.py", timeout=300, env={"QE_LOG_LEVEL": "debug"})
    assert code == 0, err
    assert f"python: {project / '.venv' / 'bin' / 'python'} (.venv)" in err


def test_config_show_says_when_no_interpreter_is_usable(aqe, project):
    (project / ".venv" / "bin").mkdir(parents=True)
    (project / ".venv" / "bin" / "python").write_text("not executable\n")
    code, doc, _ = aqe.json("config", "show")
    assert code == 0
    py = doc["data"]["python"]
    assert py["path"] is None and "not executable" in py["error"]


FLAKY = REPO / "tests" / "data" / "execute" / "flaky"


def test_flaky_run_has_the_same_figures_from_the_db_and_from_its_junit(aqe, project):
    """A flaky test, a test failing on every attempt, and beside them the mixed suite: errors at
    collection, setup and teardown (after a passed call), skips, xfail, strict xpass."""
    shutil.copytree(REPO / "tests" / "data" / "execute" / "mixed", project, dirs_exist_ok=True)
    shutil.copy(FLAKY / "tests" / "test_flaky.py", project / "tests" / "test_flaky.py")
    code, run, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--retries", "2", timeout=300)
    assert code == 1, err
    d = run["data"]
    assert d["flaky_tests"] == ["tests/test_flaky.py::test_sometimes"]
    junit = d["junit_xml"]
    root = ET.parse(junit).getroot()
    cases = {c.get("classname") + "::" + c.get("name"): c for c in root.iter("testcase")}
    # The flaky test passed in the end, its failed first attempt kept as surefire writes it.
    flaky = cases["tests.test_flaky::test_sometimes"]
    assert [c.tag for c in flaky] == ["flakyFailure"]
    assert "first attempt fails" in flaky[0].get("message")
    # The test that failed on every attempt: its final failure, the earlier two as reruns.
    failed = [c.tag for c in cases["tests.test_flaky::test_always_fails"]]
    assert failed == ["rerunFailure", "rerunFailure", "failure"], failed
    assert [c.tag for c in cases["tests.test_flaky::test_ok"]] == []

    code, from_db, _ = aqe.json("quality-gate", "--threshold", "0")
    assert code == 0
    code, from_junit, _ = aqe.json("quality-gate", "--threshold", "0", "--junit", junit)
    assert code == 0
    db_m, junit_m = from_db["data"]["metrics"], from_junit["data"]["metrics"]
    for key in ("test_pass_rate", "tests_failed", "flaky_tests"):
        assert db_m[key] == junit_m[key], (key, db_m, junit_m)
    # The figures of execute's own counts.
    assert db_m["flaky_tests"] == d["flaky"] == 1
    assert db_m["tests_failed"] == d["failed"] + d["errors"]
    ran = d["passed"] + d["flaky"] + d["failed"] + d["errors"]
    assert db_m["test_pass_rate"] == pytest.approx(100 * (d["passed"] + d["flaky"]) / ran, abs=0.01)


MS = re.compile(r"^\d+\.\d{3}$")


def test_junit_times_are_milliseconds(aqe, project):
    (project / "test_t.py").write_text(
        "import time, pytest\n"
        "@pytest.mark.parametrize('i', range(7))\n"
        "def test_t(i):\n    time.sleep(0.0011 * i)\n")
    code, run, err = aqe.json("execute", "test_t.py", "--python", SYSTEM_PYTHON, timeout=300)
    assert code == 0, err
    text = open(run["data"]["junit_xml"]).read()
    times = re.findall(r'\btime="([^"]*)"', text)
    assert len(times) == 8  # 7 testcases and the suite
    assert all(MS.match(t) for t in times), times
