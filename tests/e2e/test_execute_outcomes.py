"""aqe execute reports pytest's own outcomes: xfailed and xpassed apart from skipped and passed
(text, JSON, JUnit as pytest's --junitxml writes them, xfail_strict), and a worker that pytest
itself stops (-x, --maxfail) is a fail-fast partial run, not a crash."""
import re
import subprocess
import xml.etree.ElementTree as ET

from conftest import SYSTEM_PYTHON, assert_envelope

OUTCOMES = """import pytest


def test_pass():
    pass


def test_skip():
    pytest.skip("nope")


@pytest.mark.xfail(reason="known bug")
def test_xfail():
    assert False


@pytest.mark.xfail(reason="fixed now")
def test_xpass():
    pass


def test_imperative_xfail():
    pytest.xfail("imperative")


@pytest.mark.xfail(reason="strict one", strict=True)
def test_xpass_strict():
    pass
"""


def pytest_summary(project, *args):
    """pytest's own summary line for the same tests, without its duration, and its counts."""
    p = subprocess.run([SYSTEM_PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                       cwd=project, capture_output=True, text=True)
    last = p.stdout.strip().splitlines()[-1]
    line = re.sub(r"^=+ | =+$", "", last)
    line = re.sub(r" in [\d.]+s.*$", "", line)
    counts = {k: 0 for k in ("passed", "failed", "skipped", "xfailed", "xpassed", "error")}
    for n, what in re.findall(r"(\d+) (passed|failed|skipped|xfailed|xpassed|errors?)", line):
        counts["error" if what.startswith("error") else what] += int(n)
    return line, counts


def junit_elements(path):
    """name -> the (tag, type, message) of its result elements."""
    out = {}
    for tc in ET.parse(path).iter("testcase"):
        out[tc.get("name")] = sorted((c.tag, c.get("type"), c.get("message")) for c in tc
                                     if c.tag in ("failure", "error", "skipped"))
    return out


def test_xfailed_and_xpassed_are_counted_as_pytest_counts_them(aqe, project):
    (project / "tests").mkdir()
    (project / "tests" / "test_x.py").write_text(OUTCOMES)
    line, want = pytest_summary(project, "tests")
    assert want == {"passed": 1, "failed": 1, "skipped": 1, "xfailed": 2, "xpassed": 1, "error": 0}, line

    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--workers", "2")
    assert_envelope(doc, "execute", 1)
    d = doc["data"]
    for key in ("passed", "failed", "skipped", "xfailed", "xpassed"):
        assert d[key] == want[key], (key, d, line)
    assert d["errors"] == 0 and d["tests_run"] == 6 and d["not_run"] == 0
    (strict,) = d["failures"]
    assert strict["test"] == "tests/test_x.py::test_xpass_strict"
    assert strict["message"] == "[XPASS(strict)] strict one"

    # The summary line says what pytest's says, in pytest's words and order.
    p = aqe.run("execute", "tests", "--python", SYSTEM_PYTHON)
    assert p.returncode == 1
    assert re.search(re.escape(line) + r" in \d+\.\d\ds", p.stdout), (line, p.stdout)

    # junit.xml: what pytest's own --junitxml writes, testcase by testcase.
    ref = project / "pytest-junit.xml"
    subprocess.run([SYSTEM_PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "junit_family=xunit1",
                    "--junitxml", str(ref), "tests"], cwd=project, capture_output=True, text=True)
    mine = junit_elements(d["junit_xml"])
    assert mine == junit_elements(ref)
    assert mine["test_xfail"] == [("skipped", "pytest.xfail", "known bug")]
    assert mine["test_xpass"] == []


def test_xfail_strict_in_the_projects_config_makes_an_xpass_a_failure(aqe, project):
    (project / "tests").mkdir()
    (project / "pytest.ini").write_text("[pytest]\nxfail_strict = true\n")
    (project / "tests" / "test_s.py").write_text(
        "import pytest\n\n\n@pytest.mark.xfail(reason='was broken')\ndef test_fixed():\n    pass\n\n\n"
        "@pytest.mark.xfail(reason='still broken')\ndef test_broken():\n    assert False\n\n\n"
        "def test_ok():\n    pass\n")
    line, want = pytest_summary(project, "tests")
    assert want["failed"] == 1 and want["xpassed"] == 0 and want["xfailed"] == 1, line
    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON)
    assert code == 1, err
    d = doc["data"]
    for key in ("passed", "failed", "skipped", "xfailed", "xpassed"):
        assert d[key] == want[key], (key, d, line)
    assert [f["message"] for f in d["failures"]] == ["[XPASS(strict)] was broken"]


def write_stop_suite(project, slow_tests):
    tests = project / "tests"
    tests.mkdir()
    # It failed last time, so that a run stopping at a failure (-x, --maxfail, --fail-fast) plans
    # it first; by length it would go last (its unit is shorter than a chunk of test_rest).
    (tests / "test_first.py").write_text("import time\n\n\ndef test_fails():\n    time.sleep(0.3)\n"
                                         "    assert False\n")
    # 0.25 s each: the other worker must still have tests left when the stop reaches it, also
    # on a loaded machine (at 0.1 s it once ran all of its share first, CI under load).
    (tests / "test_rest.py").write_text(
        "import time, pytest\n\n\n@pytest.mark.parametrize('i', range(%d))\n"
        "def test_rest(i):\n    time.sleep(0.25)\n" % slow_tests)


def assert_stopped_by_pytest(doc, total):
    d = doc["data"]
    assert d["failed"] == 1, d
    assert d["errors"] == 0, d["failures"]
    assert all("crashed" not in f["message"] for f in d["failures"]), d["failures"]
    assert d["not_run"] > 0 and d["tests_run"] + d["not_run"] == total, d
    assert any("pytest stopped the run" in w for w in doc["warnings"]), doc["warnings"]
    # The report holds what ran, no crash testcase.
    cases = list(ET.parse(d["junit_xml"]).iter("testcase"))
    assert len(cases) == d["tests_run"]
    assert not [c for c in cases if c.find("error") is not None]


def test_pytest_maxfail_stop_is_a_fail_fast_partial_run_not_a_crash(aqe, project):
    write_stop_suite(project, 5)
    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON)
    assert code == 1 and doc["data"]["not_run"] == 0, err  # test_fails failed: it goes first next

    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--", "-x")
    assert_envelope(doc, "execute", 1)
    assert code == 1, err
    assert_stopped_by_pytest(doc, 6)
    assert doc["data"]["not_run"] == 5

    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--pytest-arg=--maxfail=1")
    assert code == 1, err
    assert_stopped_by_pytest(doc, 6)


def test_pytest_stop_on_one_worker_stops_the_others(aqe, project):
    write_stop_suite(project, 30)
    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--workers", "2")
    assert code == 1 and doc["data"]["not_run"] == 0, err

    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--workers", "2", "--", "-x")
    assert code == 1, err
    assert doc["data"]["workers"] == 2
    assert_stopped_by_pytest(doc, 31)


def test_pytest_stop_from_addopts_also_plans_the_last_failure_first(aqe, project):
    # aqe does not read the project's addopts: the workers tell pytest's maxfail at collection.
    write_stop_suite(project, 30)
    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--workers", "2")
    assert code == 1 and doc["data"]["not_run"] == 0, err

    (project / "pytest.ini").write_text("[pytest]\naddopts = -x\n")
    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--workers", "2")
    assert code == 1, err
    assert_stopped_by_pytest(doc, 31)


def test_the_step_summary_counts_xfailed_and_xpassed(aqe, project, tmp_path):
    (project / "tests").mkdir()
    (project / "tests" / "test_x.py").write_text(OUTCOMES)
    summary = tmp_path / "summary.md"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(tmp_path / "out")}
    p = aqe.run("execute", "tests", "--python", SYSTEM_PYTHON, env=env, timeout=300)
    assert p.returncode == 1, p.stderr
    lines = summary.read_text().split("\n")
    head = next(i for i, line in enumerate(lines) if line.startswith("| tests |"))
    cells = [c.strip() for c in lines[head].strip("|").split("|")]
    row = dict(zip(cells, (c.strip() for c in lines[head + 2].strip("|").split("|"))))
    assert row["xfailed"] == "2" and row["xpassed"] == "1", lines[head:head + 3]
    assert row["skipped"] == "1" and row["passed"] == "1" and row["failed"] == "1", row
