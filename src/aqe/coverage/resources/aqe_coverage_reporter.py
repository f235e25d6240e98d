"""aqe's coverage reporter: the interpreter that combines the workers' coverage data and writes
coverage.py's JSON report, started beside the workers instead of after them.

Most of `coverage json`'s time is coverage.py parsing each measured source file (statements,
exclusions, possible arcs), which does not depend on what the tests ran. While the tests run,
this process imports coverage.py and parses the files under the source directories; when aqe
writes its request (one JSON line on the FIFO: the data files, or "cancel"), it stops parsing,
combines, and reports as `coverage combine` + `coverage json` would, with the parsers it already
has. A parser is reused only for the same file (same size and mtime) with the same exclusion
regex coverage.py asks for; anything else is parsed as coverage.py always does. The numbers are
coverage.py's own either way; the report also reads each file's data once (`_read_once`).

argv: FIFO ROOTS_JSON SOURCE_DIRS_JSON (cwd: the project). Request: {"files": [...], "data":
COMBINED_DATA_FILE, "json": REPORT} or {"cancel": true}.
"""
import json
import os
import select
import sys

import coverage

MAX_WARM_FILES = 5000


def _source_files(dirs):
    for top in dirs:
        if not os.path.isdir(top):
            continue  # a package name in [run] source: found only by importing it
        for root, subdirs, files in os.walk(top):
            subdirs[:] = sorted(d for d in subdirs if not d.startswith(".") and d != "__pycache__")
            for name in sorted(files):
                if name.endswith(".py"):
                    yield os.path.join(root, name)


def _warm_parsers(cov, dirs, request_ready):
    """Parsed PythonParsers by (real path, exclude regex), each with the file's (mtime, size)."""
    try:
        from coverage.misc import join_regex
        from coverage.parser import PythonParser
    except ImportError:
        return None, {}
    exclude = join_regex(cov.config.exclude_list)
    warm = {}
    for n, path in enumerate(_source_files(dirs)):
        if n >= MAX_WARM_FILES or request_ready():
            break
        real = os.path.realpath(path)
        try:
            st = os.stat(real)
            parser = PythonParser(filename=real, exclude=exclude)
            parser.parse_source()
            parser.arcs()  # the arc analysis of the AST: the other half of the cost
        except Exception:  # not Python, unreadable: coverage.py says so when it reports
            continue
        warm[(real, exclude)] = (st.st_mtime_ns, st.st_size, parser)
    return PythonParser, warm


def _use_warm_parsers(original, warm):
    import coverage.python

    def parser_for(text=None, filename=None, exclude=None):
        if text is None and filename:
            real = os.path.realpath(filename)
            hit = warm.pop((real, exclude), None)
            if hit is not None:
                try:
                    st = os.stat(real)
                except OSError:
                    st = None
                if st is not None and (st.st_mtime_ns, st.st_size) == hit[:2]:
                    parser = hit[2]
                    parser.parse_source = lambda: None  # parsed already
                    return parser
        return original(text=text, filename=filename, exclude=exclude)

    coverage.python.PythonParser = parser_for


class _ArcList(list):
    """A list whose `in` is a set lookup: coverage.py 6.x's Analysis.arcs_missing tests every
    possible arc against the executed arcs' list, quadratic in a file's arcs."""

    __slots__ = ("_members",)

    def __contains__(self, item):
        try:
            members = self._members
        except AttributeError:
            members = self._members = frozenset(self)
        return item in members


def _read_once(cov):
    """The report reads each file's executed lines and arcs once, not once per question.

    coverage.py 6.x's Analysis asks its data for a file's arcs several times (executed arcs,
    missing arcs, branch counts), each a new SQLite connection and query, and recomputes the
    sorted executed arcs each time. The data no longer changes once combined, so answers are
    kept per file (copies are returned) and per Analysis. What is computed is coverage.py's own:
    only repeated reads are skipped.
    """
    data = cov.get_data()
    for name in ("lines", "arcs"):
        read = getattr(data, name, None)
        if read is None:
            continue
        answers = {}

        def cached(filename, _read=read, _answers=answers):
            if filename not in _answers:
                _answers[filename] = _read(filename)
            value = _answers[filename]
            return None if value is None else list(value)

        setattr(data, name, cached)
    try:
        from coverage.results import Analysis
    except ImportError:
        return
    executed_arcs = getattr(Analysis, "arcs_executed", None)
    if executed_arcs is None:
        return

    def arcs_executed(self):
        kept = getattr(self, "_aqe_arcs_executed", None)
        if kept is None:
            kept = _ArcList(executed_arcs(self))
            try:
                self._aqe_arcs_executed = kept
            except AttributeError:  # an Analysis with __slots__: computed each time, as before
                pass
        return kept

    Analysis.arcs_executed = arcs_executed


def main():
    fifo, roots, dirs = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
    # Read and write: opening never blocks, and the FIFO is not at end-of-file before aqe writes.
    fd = os.open(fifo, os.O_RDWR)
    probe = coverage.Coverage(data_file=None)  # the project's configuration, as the report reads it
    configured = [s for s in (probe.config.source or []) if os.path.isdir(s)]
    original, warm = _warm_parsers(probe, configured or dirs,
                                   lambda: bool(select.select([fd], [], [], 0)[0]))
    buf = b""
    while b"\n" not in buf:
        chunk = os.read(fd, 65536)
        if not chunk:
            return 1
        buf += chunk
    request = json.loads(buf.split(b"\n", 1)[0])
    if request.get("cancel"):
        return 0
    if original is not None and warm:
        _use_warm_parsers(original, warm)
    cov = coverage.Coverage(data_file=request["data"])
    if roots:
        paths = dict(cov.get_option("paths") or {})
        paths["aqe-other-roots"] = roots
        cov.set_option("paths", paths)
    cov.combine(request["files"], keep=True)
    cov.save()
    _read_once(cov)
    cov.json_report(outfile=request["json"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
