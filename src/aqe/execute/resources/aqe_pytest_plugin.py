"""aqe's side inside each pytest worker (loaded with ``-p aqe_pytest_plugin``).

The worker collects as usual, sends its node ids to aqe over the Unix socket named by
AQE_SOCKET, then asks for work: aqe answers with a batch of node ids (longest first, a
file's tests kept together) until the queue is empty. The last test of a batch is held back
until the next batch is known, so pytest tears module fixtures down only when the next test
really is in another module. Each result is reported as it happens (progress, fail-fast);
aqe may answer ``stop`` at any time, which the worker sees before its next test; a worker
that pytest itself stops (-x, --maxfail) says ``stopping`` before it ends.
One JSON object per line in both directions.

The worker also writes its results as JUnit XML (xunit1, the form pytest's own
``--junitxml`` writes) to AQE_JUNIT when the session ends. pytest's writer costs about a
sixth of a fast suite's run time; this one keeps a small record per test and writes once.
"""
import json
import os
import re
import select
import signal
import socket
import time

import pytest

_channel = None
_junit = None


# File names are bytes. One that is not UTF-8 reaches Python as lone surrogates (U+DC80 to
# U+DCFF, PEP 383) and one may hold control characters: neither JSON for aqe nor the XML of
# the JUnit file can carry them all. On the way out they become private-use characters (C0
# controls U+F700.., DEL U+F77F, surrogates U+F780..U+F7FF: valid UTF-8, legal XML), and back on
# the way in, so a node id round-trips exactly and is the same in the stream and the file.
_UNCARRIED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\udc80-\udcff]")
_CARRIED = re.compile("[\uf700-\uf71f\uf77f\uf780-\uf7ff]")
_SURROGATES = re.compile("[\udc80-\udcff]")


def _carry(m):
    c = ord(m.group())
    return chr(c + 0xF700 if c < 0x80 else c - 0xDC80 + 0xF780)


def _uncarry(m):
    c = ord(m.group())
    return chr(c - 0xF700 if c < 0xF780 else c - 0xF780 + 0xDC80)


def _to_wire(obj):
    if isinstance(obj, str):
        return _UNCARRIED.sub(_carry, obj)
    if isinstance(obj, list):
        return [_to_wire(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _to_wire(v) for k, v in obj.items()}
    return obj


def _from_wire(obj):
    if isinstance(obj, str):
        return _CARRIED.sub(_uncarry, obj)
    if isinstance(obj, list):
        return [_from_wire(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _from_wire(v) for k, v in obj.items()}
    return obj


class _Channel:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.buf = b""
        self.stopped = False

    def send(self, obj):
        line = json.dumps(obj, separators=(",", ":"))
        if "\\u" in line or "\x7f" in line:  # non-ASCII or a control, escaped by json.dumps: see _to_wire
            line = json.dumps(_to_wire(obj), separators=(",", ":"))
        self.sock.sendall(line.encode() + b"\n")

    def _read_line(self, block):
        while b"\n" not in self.buf:
            if not block and not select.select([self.sock], [], [], 0)[0]:
                return None
            chunk = self.sock.recv(65536)
            if not chunk:
                return {"stop": "aqe closed the connection"}
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        msg = json.loads(line)
        if b"\xef\x9c" in line or b"\xef\x9d" in line or b"\xef\x9e" in line or b"\xef\x9f" in line:
            msg = _from_wire(msg)
        return msg

    def receive(self, block=True):
        msg = self._read_line(block)
        if msg is not None and "stop" in msg:
            self.stopped = True
        return msg


# Started before pytest by the worker's boot (aqe_coverage_boot.py); importing it here starts
# coverage for a worker started without the boot.
import aqe_coverage_boot  # noqa: E402

_cov = aqe_coverage_boot.cov

# What aqe turned off of the project's pytest set-up, for aqe's report (sent with "hello").
_notes = []


@pytest.hookimpl(hookwrapper=True)
def pytest_load_initial_conftests(early_config, parser, args):
    # pytest-cov starts its own tracer here, which replaces aqe's (0 lines covered, silently)
    # and writes the project's .coverage from every worker. A wrapper runs before its hook;
    # --no-cov is pytest-cov's own switch, and only exists when pytest-cov is loaded.
    ns = early_config.known_args_namespace
    if getattr(ns, "cov_source", None) and not getattr(ns, "no_cov", True):
        ns.no_cov = True
        args.append("--no-cov")
        _notes.append("pytest-cov is off in aqe's workers (--cov in the project's pytest options): " + (
            "aqe measures coverage itself, with the project's coverage configuration"
            if _cov is not None else "aqe execute --coverage measures coverage"))
    _drop_cache_options(args)
    yield


# pytest's cache-provider options, which aqe's workers run without (each would read and write
# the one .pytest_cache; aqe's history is its state DB): value-taking ones marked True. Given to
# aqe they are a usage error before any worker starts; in the project's addopts or
# PYTEST_ADDOPTS they made every run fail with "unrecognized arguments".
_CACHE_OPTIONS = {"--lf": False, "--last-failed": False, "--ff": False, "--failed-first": False,
                  "--nf": False, "--new-first": False, "--sw": False, "--stepwise": False,
                  "--sw-skip": False, "--stepwise-skip": False, "--cache-clear": False,
                  "--lfnf": True, "--last-failed-no-failures": True}


def _drop_cache_options(args):
    kept, dropped, skip = [], [], False
    for arg in args:
        if skip:
            skip = False
            continue
        name = arg.split("=", 1)[0]
        if name in _CACHE_OPTIONS:
            dropped.append(name)
            skip = _CACHE_OPTIONS[name] and "=" not in arg
            continue
        kept.append(arg)
    if dropped:
        args[:] = kept
        _notes.append("pytest's %s (in the project's pytest options) is off in aqe's workers, which run "
                      "without pytest's cache: aqe keeps its history in its state DB, and with "
                      "--fail-fast runs the last run's failures first" % ", ".join(sorted(set(dropped))))


@pytest.hookimpl(hookwrapper=True)
def pytest_cmdline_main(config):
    # pytest-xdist's -n/--dist would make this worker a controller of xdist workers, which aqe's
    # protocol does not know (INTERNALERROR): aqe runs its own workers instead.
    opt = config.option
    n = getattr(opt, "numprocesses", None)
    dist = getattr(opt, "dist", "no")
    if n or getattr(opt, "distload", False) or dist not in (None, "no") or getattr(opt, "tx", None):
        what = "-n %s" % (n if isinstance(n, int) or n in ("auto", "logical") else "N") if n else "--dist/--tx"
        opt.numprocesses = 0
        opt.dist = "no"
        opt.distload = False
        opt.tx = []
        _notes.append("pytest-xdist's %s (in the project's pytest options) is off in aqe's workers: "
                      "aqe runs the tests in its own workers (--workers, --parallel)" % what)
    yield


# Characters XML 1.0 cannot carry; pytest's writer shows them as #xNN, and so does this one.
_ILLEGAL_XML = re.compile("[^\u0009\u000A\u000D\u0020-\u007E\u0080-\uD7FF\uE000-\uFFFD"
                          "\U00010000-\U0010FFFF]")


def _xml(text, quote=False, carry=False):
    # Names are carried exactly (see _to_wire); in messages a byte that is not UTF-8 is U+FFFD.
    text = _to_wire(str(text)) if carry else _SURROGATES.sub("\ufffd", str(text))
    text = _ILLEGAL_XML.sub(lambda m: "#x%02X" % ord(m.group()), text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if not quote:
        return text
    # An attribute keeps its line breaks only as character references.
    return (text.replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;")
            .replace("\t", "&#09;"))


def _sep(title):
    # pytest's terminal separator ("---- Captured stdout call ----", 80 columns), as its
    # FAILURES section shows a captured section.
    fill = "-" * max((80 - len(title) - 2) // 2, 1)
    line = "%s %s %s" % (fill, title, fill)
    return line + "-" if len(line) + 1 <= 80 else line


def _captured(sections, stream):
    """The captured sections of one stream ("err": stderr; "out": stdout and log), each under
    pytest's heading, as its terminal shows them after a failure's traceback."""
    parts = []
    for title, content in sections:
        if ("stderr" in title) != (stream == "err"):
            continue
        parts.append(_sep(title) + "\n" + (content[:-1] if content.endswith("\n") else content) + "\n")
    return "".join(parts)


class _Junit:
    """Per test: classname, name, file, line, time, the failure/error/skipped elements and, for
    a failure or error, what it printed (pytest's captured sections: system-out/system-err)."""

    def __init__(self, path):
        self.path = path
        self.cases = []
        self.open = {}

    def _case(self, report):
        case = self.open.get(report.nodeid)
        if case is None:
            address, bracket, params = report.nodeid.partition("[")
            names = address.split("::")
            names[0] = re.sub(r"\.py$", "", names[0].replace("/", "."))
            names[-1] += bracket + params
            case = [".".join(names[:-1]), names[-1], report.location[0], report.location[1], 0.0, [], []]
            self.open[report.nodeid] = case
            self.cases.append(case)
        return case

    @staticmethod
    def _reason(report):
        crash = getattr(report.longrepr, "reprcrash", None)
        return crash.message if crash is not None else str(report.longrepr)

    def add(self, report):
        case = self._case(report)
        case[4] += getattr(report, "duration", 0.0) or 0.0
        if report.passed:
            return
        if report.failed:
            # A later phase's report holds the earlier phases' sections too.
            case[6] = list(report.sections)
            if report.when == "call":
                if hasattr(report, "wasxfail"):
                    case[5].append(("skipped", "xfail-marked test passes unexpectedly", None, None))
                else:
                    case[5].append(("failure", self._reason(report), None, str(report.longrepr)))
            else:
                msg = 'failed on %s with "%s"' % (
                    "teardown" if report.when == "teardown" else "setup", self._reason(report))
                case[5].append(("error", msg, None, str(report.longrepr)))
        elif hasattr(report, "wasxfail"):
            reason = report.wasxfail
            case[5].append(("skipped", reason[8:] if reason.startswith("reason: ") else reason,
                            "pytest.xfail", None))
        elif isinstance(report.longrepr, tuple):
            filename, lineno, reason = report.longrepr
            if reason.startswith("Skipped: "):
                reason = reason[9:]
            case[5].append(("skipped", reason, "pytest.skip", "%s:%s: %s" % (filename, lineno, reason)))

    def add_collect(self, report):
        if report.passed:
            return
        case = self._case(report)
        if report.failed:
            case[5].append(("error", "collection failure", None, str(report.longrepr)))
            case[6] = list(report.sections)
        else:
            case[5].append(("skipped", "collection skipped", None, str(report.longrepr)))

    def write(self):
        counts = {"failure": 0, "error": 0, "skipped": 0}
        parts = []
        total = 0.0
        for classname, name, file, line, time_s, children, sections in self.cases:
            total += time_s
            parts.append('<testcase classname="%s" name="%s" file="%s"%s time="%.3f"' % (
                _xml(classname, True, True), _xml(name, True, True), _xml(file, True, True),
                "" if line is None else ' line="%d"' % line, time_s))
            if not children:
                parts.append(" />")
                continue
            parts.append(">")
            for tag, message, kind, body in children:
                counts[tag] += 1
                parts.append("<%s%s message=\"%s\"" % (
                    tag, "" if kind is None else ' type="%s"' % kind, _xml(message, True)))
                parts.append(" />" if body is None else ">%s</%s>" % (_xml(body), tag))
            for stream, tag in (("out", "system-out"), ("err", "system-err")):
                text = _captured(sections, stream)
                if text:
                    parts.append("<%s>%s</%s>" % (tag, _xml(text), tag))
            parts.append("</testcase>")
        head = ('<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" '
                'errors="%d" failures="%d" skipped="%d" tests="%d" time="%.3f">' % (
                    counts["error"], counts["failure"], counts["skipped"], len(self.cases), total))
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as out:
            out.write(head)
            out.write("".join(parts))
            out.write("</testsuite></testsuites>")
        os.replace(tmp, self.path)


def _die_with_aqe():
    # aqe's SIGKILL cannot be caught, so it cannot end its workers: the kernel does (Linux).
    parent = os.environ.get("AQE_PID")
    if not parent:
        return
    try:
        import ctypes
        ctypes.CDLL(None).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != int(parent):
        os._exit(1)  # aqe died before the request took effect


def pytest_configure(config):
    global _channel, _junit
    if not hasattr(config, "workerinput"):
        _die_with_aqe()
    if os.environ.get("AQE_JUNIT") and _junit is None and not hasattr(config, "workerinput"):
        _junit = _Junit(os.environ["AQE_JUNIT"])
    path = os.environ.get("AQE_SOCKET")
    if path and _channel is None and not hasattr(config, "workerinput"):
        _channel = _Channel(path)
        # "cpu": this process's CPU seconds so far, with hello, collected and each result: aqe
        # tells the work a CPU must do from the wall time that contention inflates.
        _channel.send({"hello": os.environ.get("AQE_WORKER", "0"), "pid": os.getpid(), "notes": _notes,
                       "cpu": time.process_time()})


def pytest_unconfigure(config):
    if _junit is not None:
        _junit.write()
    if _cov is not None:
        _cov.stop()
        _cov.save()


def pytest_collection_finish(session):
    if _channel is None:
        return
    config = session.config
    # "maxfail": pytest stops at that many failures (-x is 1) wherever the option came from
    # (arguments, addopts, PYTEST_ADDOPTS): aqe then plans the last run's failures first.
    _channel.send({"collected": [item.nodeid for item in session.items],
                   "collect_errors": session.testsfailed, "cpu": time.process_time(),
                   "maxfail": config.getoption("maxfail", 0) or 0,
                   "rootdir": str(config.rootpath),
                   "inifile": str(config.inipath) if config.inipath else ""})


def pytest_collectreport(report):
    if _junit is not None:
        _junit.add_collect(report)


# A failure's text sent with its result: enough for the terminal's capped report; the whole
# text goes in the JUnit file.
_STREAMED_BYTES = 16 * 1024


def _streamed_details(report):
    text = report.longreprtext
    out, err = _captured(report.sections, "out"), _captured(report.sections, "err")
    text += ("\n" if out or err else "") + out + err
    if len(text) <= _STREAMED_BYTES:
        return text
    return text[:_STREAMED_BYTES] + "\n[%d more characters: the worker ended before it wrote them]" % (
        len(text) - _STREAMED_BYTES)


def pytest_runtest_logreport(report):
    if _junit is not None:
        _junit.add(report)
    if _channel is None:
        return
    if report.when == "call" or report.outcome != "passed":
        msg = {"result": report.nodeid, "when": report.when, "outcome": report.outcome,
               "duration": report.duration, "cpu": time.process_time()}
        if hasattr(report, "wasxfail"):  # skipped: xfailed, passed: xpassed (pytest's status)
            msg["xfail"] = True
        elif report.failed:
            # What aqe shows when this worker is ended before it writes its JUnit file.
            msg["message"] = _Junit._reason(report)[:_STREAMED_BYTES]
            msg["details"] = _streamed_details(report)
        _channel.send(msg)


class _TestTimeout(Exception):
    pass


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    limit = float(os.environ.get("AQE_TEST_TIMEOUT_S", "0") or 0)
    if limit <= 0 or not hasattr(signal, "setitimer"):
        yield
        return

    def on_alarm(signum, frame):
        pytest.fail("test exceeded its time limit of %gs (execute.test_timeout_s)" % limit,
                    pytrace=False)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _run_one(session, item, nextitem):
    item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
    if session.shouldfail or session.shouldstop:
        # pytest's own stop (-x, --maxfail, a plugin): aqe hears it before the worker exits,
        # so the tests it still holds are not run, not a crash's.
        _channel.send({"stopping": str(session.shouldfail or session.shouldstop)})
    if session.shouldfail:
        raise session.Failed(session.shouldfail)
    if session.shouldstop:
        raise session.Interrupted(session.shouldstop)


def _next_batch(by_id):
    _channel.send({"next": True})
    while True:
        msg = _channel.receive()
        if "stop" in msg:
            return []
        if "run" in msg:
            return [by_id[i] for i in msg["run"] if i in by_id]


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session):
    if _channel is None:
        return None
    if session.testsfailed and not session.config.option.continue_on_collection_errors:
        raise session.Interrupted("%d error%s during collection" % (
            session.testsfailed, "s" if session.testsfailed != 1 else ""))
    if session.config.option.collectonly:
        return True
    by_id = {item.nodeid: item for item in session.items}
    held = None
    while True:
        batch = _next_batch(by_id) if not _channel.stopped else []
        if held is not None and not _channel.stopped:
            _run_one(session, held, batch[0] if batch else None)
            held = None
        if not batch:
            break
        for i, item in enumerate(batch[:-1]):
            if _channel.receive(block=False) is not None and _channel.stopped:
                session.shouldstop = "aqe: stopped"
                return True
            _run_one(session, item, batch[i + 1])
        held = batch[-1]
    return True
