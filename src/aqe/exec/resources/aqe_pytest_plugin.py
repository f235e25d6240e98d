"""aqe's side inside each pytest worker (loaded with ``-p aqe_pytest_plugin``).

The worker collects as usual, sends its node ids to aqe over the Unix socket named by
AQE_SOCKET, then asks for work: aqe answers with a batch of node ids (longest first, a
file's tests kept together) until the queue is empty. The last test of a batch is held back
until the next batch is known, so pytest tears module fixtures down only when the next test
really is in another module. Each result is reported as it happens (progress, fail-fast);
aqe may answer ``stop`` at any time, which the worker sees before its next test.
One JSON object per line in both directions.
"""
import json
import os
import select
import signal
import socket

import pytest

_channel = None
_cov = None


class _Channel:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.buf = b""
        self.stopped = False

    def send(self, obj):
        self.sock.sendall(json.dumps(obj, separators=(",", ":")).encode() + b"\n")

    def _read_line(self, block):
        while b"\n" not in self.buf:
            if not block and not select.select([self.sock], [], [], 0)[0]:
                return None
            chunk = self.sock.recv(65536)
            if not chunk:
                return {"stop": "aqe closed the connection"}
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def receive(self, block=True):
        msg = self._read_line(block)
        if msg is not None and "stop" in msg:
            self.stopped = True
        return msg


def _start_coverage():
    data_file = os.environ.get("AQE_COVERAGE_FILE")
    if not data_file:
        return None
    import coverage

    # The project's own coverage config decides what is measured; without a source or
    # include there, aqe measures the directories it was given.
    probe = coverage.Coverage(data_file=None)
    source = None
    if not probe.config.source and not probe.config.run_include:
        source = [p for p in os.environ.get("AQE_COVERAGE_SOURCE", "").split(os.pathsep) if p]
    cov = coverage.Coverage(data_file=data_file, branch=True, source=source or None)
    cov.start()
    return cov


_cov = _start_coverage()


def pytest_configure(config):
    global _channel
    path = os.environ.get("AQE_SOCKET")
    if path and _channel is None and not hasattr(config, "workerinput"):
        _channel = _Channel(path)
        _channel.send({"hello": os.environ.get("AQE_WORKER", "0"), "pid": os.getpid()})


def pytest_unconfigure(config):
    if _cov is not None:
        _cov.stop()
        _cov.save()


def pytest_collection_finish(session):
    if _channel is None:
        return
    _channel.send({"collected": [item.nodeid for item in session.items],
                   "collect_errors": session.testsfailed})


def pytest_runtest_logreport(report):
    if _channel is None:
        return
    if report.when == "call" or report.outcome != "passed":
        _channel.send({"result": report.nodeid, "when": report.when, "outcome": report.outcome,
                       "duration": report.duration})


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
