"""aqe execute: counts equal pytest's own, coverage equals `coverage report`, fail-fast,
timeout, retries/flaky, shards, collection errors, missing pytest."""
import json
import os
import re
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import REPO, SYSTEM_PYTHON, assert_envelope

DATA = REPO / "tests" / "data" / "execute"


def copy_suite(name, dst):
    shutil.copytree(DATA / name, dst, dirs_exist_ok=True)
    return dst


def pytest_counts(project, *paths):
    """pytest's own summary for the same tests: {'passed': n, 'failed': n, ...}."""
    p = subprocess.run([SYSTEM_PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "--continue-on-collection-errors", *paths],
                       cwd=project, capture_output=True, text=True)
    last = p.stdout.strip().splitlines()[-1]
    counts = {k: 0 for k in ("passed", "failed", "skipped", "xfailed", "xpassed", "error")}
    for n, what in re.findall(r"(\d+) (passed|failed|skipped|xfailed|xpassed|errors?)", last):
        counts["error" if what.startswith("error") else what] += int(n)
    return counts


def junit_ids(path):
    return [(tc.get("classname"), tc.get("name")) for tc in ET.parse(path).iter("testcase")]


def test_mixed_suite_counts_equal_pytest(aqe, project):
    copy_suite("mixed", project)
    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--workers", "2")
    assert_envelope(doc, "execute", 1)
    assert code == 1, err
    d = doc["data"]
    want = pytest_counts(project, "tests")
    assert d["passed"] == want["passed"]
    # xfailed and xpassed apart, as pytest counts them; a strict xpass is a failure.
    assert d["skipped"] == want["skipped"]
    assert d["xfailed"] == want["xfailed"] == 1
    assert d["xpassed"] == want["xpassed"]
    assert d["failed"] == want["failed"]
    assert d["errors"] == want["error"]
    # One test passed and then failed its teardown: pytest counts it as passed and as an error.
    assert d["tests_run"] == d["passed"] + d["failed"] + d["skipped"] + d["xfailed"] + d["errors"] - 1
    assert d["workers"] == 2
    by_test = {f["test"]: f for f in d["failures"]}
    assert "teardown fails" in by_test["tests/test_b.py::test_passes_then_teardown_fails"]["message"]
    # The collection error names the file; the rest of the suite still ran.
    assert "tests/pkg/test_bad.py" in by_test
    assert "nosuchmod" in by_test["tests/pkg/test_bad.py"]["message"]
    fail = by_test["tests/test_a.py::test_fail"]
    assert fail["file"] == "tests/test_a.py" and fail["line"] == 3
    assert "boom" in fail["message"]
    assert Path(d["junit_xml"]).is_file()
    assert len(junit_ids(d["junit_xml"])) == d["tests_run"]


def junit_outcomes(path):
    """(classname, name) -> the set of (tag, type, message) of its result elements; pytest
    writes a test whose call failed and whose teardown errored as two testcases, aqe as one."""
    out = {}
    for tc in ET.parse(path).iter("testcase"):
        key = (tc.get("classname"), tc.get("name"))
        kids = out.setdefault(key, set())
        for child in tc:
            if child.tag in ("failure", "error", "skipped"):
                kids.add((child.tag, child.get("type"), child.get("message")))
        assert tc.get("file"), key
    return out


def test_junit_report_matches_pytests_own_writer(aqe, project):
    """The workers write JUnit themselves (pytest's --junitxml costs a sixth of a fast suite):
    same testcases, the same result elements and messages as pytest's xunit1 report."""
    copy_suite("mixed", project)
    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--workers", "2")
    assert code == 1, err
    ref = project / "pytest-junit.xml"
    subprocess.run([SYSTEM_PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o",
                    "junit_family=xunit1", "--junitxml", str(ref), "--continue-on-collection-errors",
                    "tests"], cwd=project, capture_output=True, text=True)
    assert junit_outcomes(doc["data"]["junit_xml"]) == junit_outcomes(ref)


def test_human_output_lists_failures_and_summary(aqe, project):
    copy_suite("mixed", project)
    p = aqe.run("execute", "tests", "--python", SYSTEM_PYTHON)
    assert p.returncode == 1
    assert "FAILED tests/test_a.py::test_fail (tests/test_a.py:3)" in p.stdout
    assert re.search(r"2 failed, \d+ passed, \d+ skipped, 1 xfailed, 3 errors in \d+\.\d\ds", p.stdout), p.stdout


def test_coverage_equals_coverage_report(aqe, project):
    copy_suite("mixed", project)
    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--coverage",
                              "--workers", "2", "--output-dir", "out")
    assert code == 1, err
    cov = doc["data"]["coverage"]
    data_file = project / "out" / ".coverage"
    assert data_file.is_file()
    rep = subprocess.run([SYSTEM_PYTHON, "-m", "coverage", "json", "-q", "-o", "-",
                          "--data-file", str(data_file)], cwd=project, capture_output=True,
                         text=True, check=True)
    totals = json.loads(rep.stdout)["totals"]
    assert cov["lines_covered"] == totals["covered_lines"]
    assert cov["lines_total"] == totals["num_statements"]
    assert cov["line_rate"] == pytest.approx(totals["covered_lines"] / totals["num_statements"])
    assert cov["branch_rate"] == pytest.approx(totals["covered_branches"] / totals["num_branches"])
    # The project's .coveragerc (source = src) was honoured.
    assert [f["file"] for f in cov["files"]] == ["src/calc.py"]
    table = subprocess.run([SYSTEM_PYTHON, "-m", "coverage", "report", "--data-file", str(data_file)],
                           cwd=project, capture_output=True, text=True, check=True).stdout
    total = table.strip().splitlines()[-1].split()
    assert int(total[1]) == cov["lines_total"]
    assert int(total[1]) - int(total[2]) == cov["lines_covered"]


def test_demo_counts_and_coverage(aqe, demo_copy):
    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--coverage",
                              "--parallel", cwd=demo_copy)
    assert code in (0, 1), err
    d = doc["data"]
    want = pytest_counts(demo_copy, "tests")
    assert (d["passed"], d["failed"]) == (want["passed"], want["failed"])
    assert d["coverage"]["lines_total"] > 0
    assert 0 <= d["coverage"]["line_rate"] <= 1


def test_fail_fast_stops_and_reports_not_run(aqe, project):
    tests = project / "tests"
    tests.mkdir()
    (tests / "test_first.py").write_text("def test_fails():\n    assert False\n")
    (tests / "test_slow.py").write_text(
        "import time, pytest\n\n@pytest.mark.parametrize('i', range(20))\n"
        "def test_slow(i):\n    time.sleep(0.2)\n")
    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--workers", "2")
    assert code == 1 and doc["data"]["not_run"] == 0, err
    # Under fail-fast, the last run's failure is scheduled first, so most tests never run.
    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--fail-fast",
                              "--workers", "2")
    assert code == 1, err
    d = doc["data"]
    assert d["failed"] == 1
    assert d["not_run"] > 0
    assert d["tests_run"] + d["not_run"] == 21


def processes_in(directory):
    """Live processes whose working directory is inside `directory`."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if cwd == str(directory) or cwd.startswith(str(directory) + "/"):
            found.append(pid)
    return found


def test_timeout_exits_5_and_leaves_no_process(aqe, project):
    copy_suite("hang", project)
    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--timeout", "2",
                              "--workers", "2")
    assert code == 5, err
    assert_envelope(doc, "execute", 5)
    # Other e2e tests run at the same time, so look only for processes working in this project.
    deadline = time.monotonic() + 10
    while processes_in(project) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not processes_in(project)


def test_per_test_timeout_reports_the_test_and_goes_on(aqe, project):
    copy_suite("hang", project)
    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--test-timeout", "1")
    assert code == 1, err
    d = doc["data"]
    assert d["passed"] == 2 and d["failed"] == 1
    assert d["failures"][0]["test"] == "tests/test_hang.py::test_hangs"
    assert "time limit" in d["failures"][0]["message"]


def test_retries_report_flaky(aqe, project):
    copy_suite("flaky", project)
    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--retries", "2")
    assert code == 1, err
    d = doc["data"]
    assert d["flaky"] == 1
    assert d["flaky_tests"] == ["tests/test_flaky.py::test_sometimes"]
    assert d["failed"] == 1 and d["passed"] == 1
    assert [f["test"] for f in d["failures"]] == ["tests/test_flaky.py::test_always_fails"]


def test_flaky_policy_pass(aqe, project):
    copy_suite("flaky", project)
    (project / "tests" / "test_flaky.py").write_text(
        (DATA / "flaky" / "tests" / "test_flaky.py").read_text().split("def test_always_fails")[0])
    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--retries", "1",
                              "--flaky-policy", "pass")
    assert code == 0, err
    assert doc["data"]["flaky"] == 1


def test_shards_cover_every_test_exactly_once(aqe, project, tmp_path):
    copy_suite("shards", project)
    seen = []
    for i in (1, 2, 3):
        # Every CI job starts from the same data: a fresh copy of the project.
        job = tmp_path / f"job{i}"
        shutil.copytree(project, job)
        code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON,
                                  "--shard", f"{i}/3", cwd=job)
        assert code == 0, err
        assert doc["data"]["shard"] == {"index": i, "total": 3, "durations_from": None}
        ids = junit_ids(doc["data"]["junit_xml"])
        assert len(ids) == doc["data"]["tests_run"]
        seen += ids
    assert len(seen) == 44 and len(set(seen)) == 44


def test_ci_node_variables_select_the_shard(aqe, project):
    copy_suite("shards", project)
    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON,
                              env={"CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "4"})
    assert code == 0, err
    assert doc["data"]["shard"] == {"index": 2, "total": 4, "durations_from": None}
    assert 0 < doc["data"]["tests_run"] < 44


def test_durations_are_stored_for_the_next_run(aqe, project):
    copy_suite("shards", project)
    for _ in range(2):
        code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--parallel")
        assert code == 0, err
        assert doc["data"]["passed"] == 44
    # Stored durations say this suite is tiny: one worker.
    assert doc["data"]["workers"] == 1
    assert (project / ".aqe" / "aqe.db").is_file()


def test_missing_path_is_exit_3(aqe, project):
    code, doc, err = aqe.json("execute", "no_such_tests", "--python", SYSTEM_PYTHON)
    assert code == 3
    assert "no_such_tests" in doc["errors"][0]["message"]


def test_no_tests_collected_is_a_clear_error(aqe, project):
    (project / "tests").mkdir()
    (project / "tests" / "helper.py").write_text("X = 1\n")
    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON)
    assert code == 3
    assert "no tests collected" in doc["errors"][0]["message"]


def test_interpreter_without_pytest_is_exit_3(aqe, project):
    copy_suite("shards", project)
    bare = shutil.which("python3")
    probe = subprocess.run([bare, "-c", "import pytest"], capture_output=True)
    if probe.returncode == 0:
        pytest.skip("python3 on PATH has pytest")
    code, doc, err = aqe.json("execute", "tests", "--python", bare)
    assert code == 3
    assert "pytest" in doc["errors"][0]["message"]


def test_framework_junit_ingests_a_report(aqe, project):
    report = ('<testsuite><testcase classname="Math" name="adds"/>'
              '<testcase classname="Math" name="divides"><failure message="div by zero"/></testcase>'
              '</testsuite>')
    (project / "run.sh").write_text(f"#!/bin/sh\necho '{report}' > out.xml\nexit 1\n")
    code, doc, err = aqe.json("execute", "--framework", "junit", "--command", "sh run.sh",
                              "--junit", "out.xml")
    assert code == 1, err
    d = doc["data"]
    assert d["framework"] == "junit"
    assert (d["passed"], d["failed"]) == (1, 1)
    assert d["failures"][0]["message"] == "div by zero"


def test_worker_crash_reports_the_test_and_reschedules_the_rest(aqe, project):
    """A test that kills its own pytest process: it is reported as an error naming it, and the tests
    its worker had not run yet go to a fresh worker and pass."""
    tests = project / "tests"
    tests.mkdir()
    (tests / "test_a_crash.py").write_text(
        "import os, signal\n\n"
        "def test_before():\n    pass\n\n"
        "def test_kills_worker():\n    os.kill(os.getpid(), signal.SIGKILL)\n\n"
        "def test_after():\n    pass\n")
    (tests / "test_b_rest.py").write_text(
        "import pytest\n\n@pytest.mark.parametrize('i', range(20))\n"
        "def test_rest(i):\n    assert i >= 0\n")
    for workers in ("1", "2"):
        code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--workers", workers)
        assert code == 1, err
        d = doc["data"]
        assert d["passed"] == 22, (workers, d)
        assert d["failed"] + d.get("errors", 0) == 1, (workers, d)
        assert [f["test"] for f in d["failures"]] == ["tests/test_a_crash.py::test_kills_worker"]
        assert "crash" in d["failures"][0]["message"]
        assert any("crashed" in w for w in doc["warnings"]), doc["warnings"]


def write_import_logging_suite(tests, files, per_file):
    """Test files that note which process imported them (to see who collected what)."""
    tests.mkdir(parents=True, exist_ok=True)
    for f in files:
        body = ["import os", "",
                "with open(os.path.join(os.path.dirname(__file__), '..', 'imports.log'), 'a') as _log:",
                "    _log.write('%d %s\\n' % (os.getpid(), __name__))", ""]
        for t in range(per_file):
            body += [f"def test_{t}():", "    assert True", ""]
        (tests / f"test_{f}.py").write_text("\n".join(body))


def importers(project):
    """module -> set of pids that imported it."""
    out = {}
    for line in (project / "imports.log").read_text().splitlines():
        pid, mod = line.split()
        out.setdefault(mod, set()).add(pid)
    return out


def test_second_run_splits_collection_and_still_runs_every_test_once(aqe, project):
    """With the last run's test list, each worker collects only its own files; worker 0 also
    finds what that list does not know (a new file, a new test), a deleted file is left out.
    No pytest config file here: the rootdir comes from the stored run, so node ids agree."""
    tests = project / "tests"
    write_import_logging_suite(tests, [f"f{i}" for i in range(8)], 6)
    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--workers", "2")
    assert code == 0, err
    assert doc["data"]["passed"] == 48
    (project / "imports.log").unlink()

    (tests / "test_f0.py").unlink()
    write_import_logging_suite(tests, ["new"], 3)
    with open(tests / "test_f1.py", "a") as f:
        f.write("\ndef test_added():\n    assert True\n")
    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--workers", "2")
    assert code == 0, err
    seen = importers(project)
    want = pytest_counts(project, "tests")
    assert want["passed"] == 7 * 6 + 3 + 1
    assert doc["data"]["passed"] == want["passed"]
    ids = junit_ids(doc["data"]["junit_xml"])
    assert len(ids) == len(set(ids)) == want["passed"]
    assert ("tests.test_f1", "test_added") in ids and ("tests.test_new", "test_0") in ids
    # Every module was imported by one worker only, and both workers had some.
    assert all(len(pids) == 1 for pids in seen.values()), seen
    assert len(set().union(*seen.values())) == 2


def test_arguments_after_double_dash_go_to_pytest(aqe, project):
    # The contract: aqe execute [paths] -- <pytest args>. -k, -x and -o are pytest's here,
    # even where aqe has an option of the same letter (-x is aqe's --fail-fast).
    (project / "tests").mkdir()
    (project / "tests" / "test_k.py").write_text(
        "def test_keep():\n    pass\n\ndef test_drop():\n    pass\n\ndef check_keep():\n    pass\n")
    code, doc, err = aqe.json("execute", "tests/", "--python", SYSTEM_PYTHON, "--", "-k", "keep", "-x",
                              "-o", "python_functions=test_* check_*")
    assert code == 0, err
    assert doc["data"]["tests_run"] == 2 and doc["data"]["passed"] == 2
    code, doc, err = aqe.json("security-scan", "tests/", "--", "-k", "keep")
    assert code == 3
    assert "only for aqe execute" in doc["errors"][0]["message"]


def test_worker_count_is_stable_when_a_workers_last_test_is_long(aqe, project):
    # The held-back last test of a batch used to be booked as the worker's fixed ending cost,
    # so the next run chose 1 worker and the one after 2 again (issue 18).
    tests = project / "tests"
    tests.mkdir()
    for f in range(4):
        body = "import time\n" + "".join(f"def test_{i}():\n    time.sleep(0.05)\n" for i in range(5))
        if f == 3:
            body += "def test_zlong():\n    time.sleep(1.5)\n"
        (tests / f"test_f{f}.py").write_text(body)
    counts = []
    for _ in range(5):
        code, doc, err = aqe.json("execute", "tests/", "--python", SYSTEM_PYTHON, "--parallel")
        assert code == 0, err
        counts.append(doc["data"]["workers"])
    assert len(set(counts[1:])) == 1, counts
