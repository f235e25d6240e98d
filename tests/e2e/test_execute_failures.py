"""What aqe execute shows of a failure and while it runs: pytest's long report for each failure
(traceback, assertion diff, captured output; capped on the terminal, whole in junit.xml), and on
a terminal a progress line redrawn at most ten times a second with a total that does not move."""
import os
import pty
import re
import select
import subprocess
import time
import xml.etree.ElementTree as ET

from conftest import SYSTEM_PYTHON

PY = ("--python", SYSTEM_PYTHON)

FAILING = """import sys


def test_lists():
    print("printed on stdout \\x1b[31m")
    print("printed on stderr", file=sys.stderr)
    assert [1, 2, 3] == [1, 2, 4]


def test_long():
    assert False, "\\n".join("detail %d" % i for i in range(500))


def test_ok():
    pass
"""


def write_failing(project):
    (project / "tests").mkdir()
    (project / "tests" / "test_f.py").write_text(FAILING)


def report_of(stdout, test):
    """The lines aqe printed for one failure: from its FAILED line to the next blank line."""
    lines = stdout.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("FAILED " + test + " "))
    end = next(i for i in range(start, len(lines)) if lines[i] == "")
    return lines[start:end]


def test_a_failure_shows_pytests_long_report_with_its_captured_output(aqe, project):
    write_failing(project)
    p = aqe.run("execute", "tests", *PY, timeout=300)
    assert p.returncode == 1, p.stderr
    report = "\n".join(report_of(p.stdout, "tests/test_f.py::test_lists"))
    # The traceback excerpt, the assertion diff and the crash line, as pytest prints them.
    assert ">       assert [1, 2, 3] == [1, 2, 4]" in report, report
    assert "At index 2 diff: 3 != 4" in report, report
    assert "tests/test_f.py:7: AssertionError" in report, report
    # Captured output under pytest's headings, the project's escape byte escaped (as pytest's
    # JUnit writer does, #x1B).
    assert re.search(r"-+ Captured stdout call -+\n    printed on stdout #x1B\[31m", report), report
    assert re.search(r"-+ Captured stderr call -+\n    printed on stderr", report), report
    assert "\x1b" not in p.stdout

    # junit.xml has it all: the failure body, and what the test printed.
    junit = re.search(r"^junit: (.*)$", p.stdout, re.M).group(1)
    case = next(c for c in ET.parse(junit).getroot().iter("testcase") if c.get("name") == "test_lists")
    assert "At index 2 diff: 3 != 4" in case.find("failure").text
    assert "printed on stdout #x1B[31m" in case.find("system-out").text
    assert "printed on stderr" in case.find("system-err").text
    ok = next(c for c in ET.parse(junit).getroot().iter("testcase") if c.get("name") == "test_ok")
    assert ok.find("system-out") is None

    # --json carries the same excerpt; the other fields are as before.
    code, doc, err = aqe.json("execute", "tests", *PY, timeout=300)
    assert code == 1, err
    lists = next(f for f in doc["data"]["failures"] if f["test"].endswith("test_lists"))
    assert set(lists) >= {"test", "file", "line", "message", "outcome", "details"}
    assert lists["message"].startswith("assert [1, 2, 3] == [1, 2, 4]")
    assert "At index 2 diff: 3 != 4" in lists["details"]
    assert "printed on stderr" in lists["details"]

    # --quiet prints no report.
    q = aqe.run("-q", "execute", "tests", *PY, timeout=300)
    assert q.returncode == 1
    assert "At index 2" not in q.stdout and "Captured" not in q.stdout


def test_a_long_report_is_capped_on_the_terminal_and_whole_in_junit(aqe, project):
    write_failing(project)
    p = aqe.run("execute", "tests", *PY, timeout=300)
    assert p.returncode == 1, p.stderr
    report = report_of(p.stdout, "tests/test_f.py::test_long")
    assert len(report) <= 42, "\n".join(report)
    junit = re.search(r"^junit: (.*)$", p.stdout, re.M).group(1)
    assert re.fullmatch(r"    \[\.\.\. \d+ more bytes \(\d+ lines\) in " + re.escape(junit) + r"\]",
                        report[-1]), report[-1]
    case = next(c for c in ET.parse(junit).getroot().iter("testcase") if c.get("name") == "test_long")
    body = case.find("failure").text
    assert all("detail %d" % i in body for i in range(500))


SUITE = """import pytest


@pytest.fixture
def broken():
    raise RuntimeError("fixture")


def test_fails():
    assert False


def test_errors(broken):
    pass


@pytest.mark.parametrize("i", range(%d))
def test_trivial(i):
    pass
"""


def run_on_a_terminal(aqe, *args, timeout=300):
    """Runs aqe with stdout and stderr on a pseudo-terminal; returns (exit code, bytes, seconds)."""
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("QE_") and k not in ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "JENKINS_URL",
                                                     "CIRCLECI", "BUILDKITE", "NO_COLOR")}
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    env["TERM"] = "xterm"
    t0 = time.monotonic()
    proc = subprocess.Popen([aqe.binary, *args], cwd=aqe.cwd, env=env, stdin=slave, stdout=slave,
                            stderr=slave, close_fds=True)
    os.close(slave)
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], 1)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every writer has closed the terminal
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
        assert time.monotonic() - t0 < timeout, out[-2000:]
    code = proc.wait()
    os.close(master)
    return code, out, time.monotonic() - t0


def progress_lines(out):
    """Every state the redrawn progress line showed: the text after each carriage return."""
    text = out.decode("utf-8", "replace")
    return [m.group(1) for m in re.finditer(r"\r(\[\d+(?:/\d+)?\][^\r\n\x1b]*)\x1b\[K", text)]


def test_progress_on_a_terminal_is_throttled_with_a_stable_total_and_errors_apart(aqe, project):
    (project / "tests").mkdir()
    (project / "tests" / "test_many.py").write_text(SUITE % 2000)
    # Twice: the second run splits collection between the workers from the stored list, where
    # the total grew as each worker planned its files.
    for run in range(2):
        code, out, seconds = run_on_a_terminal(aqe, "execute", "tests", "--workers", "2", *PY)
        assert code == 1, out[-3000:]
        lines = progress_lines(out)
        assert lines, out[-3000:]
        # At most ten redraws a second (plus the events' and the last), not one per test.
        assert len(lines) <= 10 * seconds + 10, (len(lines), seconds)
        assert len(out) < 40 * 1024, len(out)
        totals = {m.group(1) for m in (re.match(r"\[\d+/(\d+)\]", line) for line in lines) if m}
        assert totals == {"2002"}, (run, totals)
        # The final count, failures and errors apart, as pytest counts them.
        assert lines[-1].startswith("[2002/2002] 1 failed, 1 error"), lines[-1]
