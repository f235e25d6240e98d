"""aqe generate's sandbox inside the user's interpreter: writes outside the sandbox's directories
and network use raise PermissionError, and each one is recorded against the test that made it.

Loaded by the explorer (import) and by the verification run (`pytest -p aqe_sandbox`). It works
through audit hooks (PEP 578), so it sees Python-level opens, file system changes and socket
calls, not a C extension's or a subprocess's; aqe puts the process in its own network
namespace where the kernel allows it, which stops those too. The hooks are what tells aqe *why*
a test is dropped, and the only network barrier where namespaces are not available.

Environment: AQE_SANDBOX_ROOT, the directory writes may go to (the hooks are installed on
import when it is set); AQE_SANDBOX_REPORT (pytest), where the violations are written as JSON
at the end of the session.
"""
import json
import os
import sys

WRITES_OUTSIDE = "writes outside its temp dir"
NETWORK = "uses the network"

# os.open flags that change a file (O_RDONLY is 0: a read has none of them).
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
# Events that change a path: the (path, dir_fd) argument positions of each (dir_fd: a
# relative path is taken relative to that open directory, -1/None for the cwd).
_PATH_EVENTS = {
    "os.mkdir": [(0, 2)], "os.remove": [(0, 1)], "os.rmdir": [(0, 1)], "os.truncate": [(0, None)],
    "os.chmod": [(0, 2)], "os.chown": [(0, 3)], "os.utime": [(0, 3)], "shutil.rmtree": [(0, 1)],
    "os.rename": [(0, 2), (1, 3)], "os.link": [(1, 3)], "os.symlink": [(1, 2)],
    "os.setxattr": [(0, None)], "os.removexattr": [(0, None)],
}
_NET_EVENTS = {"socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg"}

# Writable everywhere: the process's own streams and the sinks that hold nothing.
_ALWAYS = {os.devnull, "/dev/stdout", "/dev/stderr", "/dev/zero", "/dev/full"}
_roots = []
_state = {"inside": False, "trusted": 0, "test": None}
violations = []  # [(test key or None, reason, detail)]


def _real(path):
    return os.path.realpath(os.fsdecode(path))


def allow(path):
    """Adds a directory writes may go to (with everything under it)."""
    _roots.append(_real(path))


def _allowed(path, dir_fd=None):
    if isinstance(path, int):  # an open descriptor: whoever opened it was checked
        return True
    try:
        path = os.fsdecode(path)
        if path in _ALWAYS:
            return True
        if isinstance(dir_fd, int) and dir_fd >= 0 and not os.path.isabs(path):
            path = os.path.join(os.readlink("/proc/self/fd/%d" % dir_fd), path)
        real = _real(path)
    except (TypeError, ValueError, OSError):
        return True  # not a path (a bad argument fails in the call itself)
    if real in _ALWAYS:
        return True
    return any(real == r or real.startswith(r.rstrip("/") + "/") for r in _roots)


class trusted:
    """The sandbox's own files (the explorer's scratch root, the report): not checked."""

    def __enter__(self):
        _state["trusted"] += 1

    def __exit__(self, *exc):
        _state["trusted"] -= 1


def _local_socket(sock, address):
    """A Unix socket whose file is inside the sandbox is local IPC (multiprocessing managers),
    not the network. An abstract one is refused: without a network namespace it reaches the
    host's services (D-Bus, X11) like any other."""
    import socket  # already imported: a socket exists

    if getattr(sock, "family", None) != socket.AF_UNIX or not isinstance(address, (str, bytes)):
        return False
    if not address or address[:1] in ("\0", b"\0"):
        return False
    return _allowed(address)


def _deny(reason, detail):
    violations.append((_state["test"], reason, detail))
    raise PermissionError("aqe generate sandbox: %s (%s)" % (reason, detail))


def _check(event, args):
    if event == "open":
        path, _mode, flags = args
        if flags & _WRITE_FLAGS and not _allowed(path):
            _deny(WRITES_OUTSIDE, "open %s" % os.fsdecode(path))
    elif event in _PATH_EVENTS:
        for at, fd_at in _PATH_EVENTS[event]:
            p = args[at] if at < len(args) else None
            fd = args[fd_at] if fd_at is not None and fd_at < len(args) else None
            if p is not None and not _allowed(p, fd):
                _deny(WRITES_OUTSIDE, "%s %s" % (event, p if isinstance(p, int) else os.fsdecode(p)))
    elif event in _NET_EVENTS:
        address = args[1] if len(args) > 1 else None
        if _local_socket(args[0], address):
            return
        _deny(NETWORK, "%s %r" % (event, address))


def _hook(event, args):
    # The check itself resolves paths; an event raised meanwhile is the sandbox's own.
    if _state["inside"] or _state["trusted"]:
        return
    if event != "open" and event not in _PATH_EVENTS and event not in _NET_EVENTS:
        return
    _state["inside"] = True
    try:
        _check(event, args)
    except PermissionError:
        raise
    except Exception:  # pylint: disable=broad-except  # a bug here must not fail the user's code
        pass
    finally:
        _state["inside"] = False


def install(roots):
    """Installs the hooks (once per process; audit hooks cannot be removed)."""
    for r in roots:
        allow(r)
    sys.addaudithook(_hook)


def count():
    return len(violations)


# Installed on import, so that in pytest (`-p aqe_sandbox` imports it while parsing the command
# line) the project's conftest files and modules are imported under the hooks too.
if os.environ.get("AQE_SANDBOX_ROOT"):
    install([os.environ["AQE_SANDBOX_ROOT"]])


# ------------------------------------------------------------------ pytest plugin


def _test_key(item):
    name = getattr(item, "originalname", None) or item.name.split("[", 1)[0]
    return (str(getattr(item, "path", None) or item.fspath), name)


try:
    import pytest

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(item, nextitem):
        _state["test"] = _test_key(item)
        try:
            yield
        finally:
            _state["test"] = None
except ImportError:  # the explorer's interpreter need not have pytest
    pass


def pytest_sessionfinish(session, exitstatus):
    target = os.environ.get("AQE_SANDBOX_REPORT")
    if not target:
        return
    out = [{"file": t[0], "test": t[1], "reason": reason, "detail": detail}
           for t, reason, detail in violations if t is not None]
    with trusted():
        with open(target, "w", encoding="utf-8") as f:
            json.dump(out, f)
