#!/usr/bin/env python3
"""AST mutation harness: how many seeded mutants of one module a test set kills.

Mutants are made inside function and method bodies only (not module or class level code, not
annotations, decorators, defaults or docstrings, nothing inside f-strings, whose node positions
Python 3.11 does not give reliably). One mutant changes one node, spliced into the original source
text (the rest of the file stays byte-identical):
  arithmetic   + <-> -, * -> /, / -> *, // -> *, % -> //, ** -> *, << <-> >>, | <-> &, ^ -> &
               (also in augmented assignments)
  comparison   == <-> !=, < -> <=, <= -> <, > -> >=, >= -> >, is <-> is not, in <-> not in
  boolean      and <-> or, `not x` -> `x`, `-x` -> `x`
  constant     int n -> n+1, float x -> x+1.0, True <-> False, non-empty str -> '', bytes -> b''
  return       `return X` -> `return None` (X not already None)
  condition    `if c` / `while c` / `a if c else b` -> `not (c)`
Mutants that do not compile are dropped and counted. A seeded shuffle (the module's path is part
of the seed) picks --mutants of the rest, or all when fewer exist.

For each mutant the module's file in the project is overwritten, the tests run
(`PYTHON -m pytest TESTS -x -q -p no:cacheprovider`, no bytecode written, so no stale .pyc), and the
file restored (also on Ctrl-C / SIGTERM). Killed: pytest exits with anything but 0 or 5 (no tests),
or runs past 10x the unmutated run + 5 s. The unmutated tests run first: if they fail, the score is
unknown. Score = killed / mutants run.

  bench/mutate.py --project DIR --module pkg/mod.py --tests tests/generated [--tests more] \
                  [--python /usr/bin/python3] [--seed 17] [--mutants 40] [--jobs 1] [--json OUT]
  bench/mutate.py --list FILE        # every mutant candidate of FILE, one per line
  bench/mutate.py --self-test        # the harness can fail: empty tests 0 %, good tests kill most
"""
import argparse
import ast
import json
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

DEFAULT_SEED = 17
DEFAULT_MUTANTS = 40

BINOP_SWAP = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult, ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult,
    ast.LShift: ast.RShift, ast.RShift: ast.LShift,
    ast.BitOr: ast.BitAnd, ast.BitAnd: ast.BitOr, ast.BitXor: ast.BitAnd,
}
CMP_SWAP = {
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.LtE, ast.LtE: ast.Lt,
    ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
    ast.In: ast.NotIn, ast.NotIn: ast.In,
}
BINOP_SYM = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
             ast.Mod: "%", ast.Pow: "**", ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|",
             ast.BitAnd: "&", ast.BitXor: "^"}
CMP_SYM = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
           ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}


class Mutant:
    __slots__ = ("mid", "line", "kind", "desc", "start", "end", "text")

    def __init__(self, line, kind, desc, start, end, text):
        self.line, self.kind, self.desc = line, kind, desc
        self.start, self.end, self.text = start, end, text
        self.mid = "L%d:%s:%s" % (line, kind, desc)

    def apply(self, src):
        return src[:self.start] + self.text.encode("utf-8") + src[self.end:]


def _is_docstring(stmt):
    return (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, str))


class _Enumerator:
    def __init__(self, src):
        self.src = src
        self.offsets = [0]
        for line in src.split(b"\n"):
            self.offsets.append(self.offsets[-1] + len(line) + 1)
        self.out = []

    def span(self, node):
        return (self.offsets[node.lineno - 1] + node.col_offset,
                self.offsets[node.end_lineno - 1] + node.end_col_offset)

    def segment(self, node):
        s, e = self.span(node)
        return self.src[s:e].decode("utf-8")

    def add(self, node, kind, desc, text, target=None):
        s, e = self.span(target or node)
        self.out.append(Mutant(node.lineno, kind, desc, s, e, text))

    def visit(self, node, in_func):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for i, stmt in enumerate(node.body):
                if not _is_docstring(stmt):
                    self.visit(stmt, in_func or not isinstance(node, ast.ClassDef))
            return
        if isinstance(node, ast.JoinedStr) or _is_docstring(node):
            return
        if isinstance(node, ast.AnnAssign):
            for child in (node.target, node.value):
                if child is not None:
                    self.visit(child, in_func)
            return
        if in_func:
            self.mutations_of(node)
        for child in ast.iter_child_nodes(node):
            self.visit(child, in_func)

    def swapped(self, node, attr, new_op):
        old = getattr(node, attr)
        setattr(node, attr, new_op)
        try:
            return "(" + ast.unparse(node) + ")"
        finally:
            setattr(node, attr, old)

    def mutations_of(self, node):
        t = type(node)
        if t is ast.BinOp and type(node.op) in BINOP_SWAP:
            new = BINOP_SWAP[type(node.op)]
            self.add(node, "arith", "%s->%s" % (BINOP_SYM[type(node.op)], BINOP_SYM[new]),
                     self.swapped(node, "op", new()))
        elif t is ast.AugAssign and type(node.op) in BINOP_SWAP:
            new = BINOP_SWAP[type(node.op)]
            text = "%s %s= %s" % (self.segment(node.target), BINOP_SYM[new], self.segment(node.value))
            self.add(node, "arith", "%s=->%s=" % (BINOP_SYM[type(node.op)], BINOP_SYM[new]), text)
        elif t is ast.Compare:
            for i, op in enumerate(node.ops):
                if type(op) not in CMP_SWAP:
                    continue
                new = CMP_SWAP[type(op)]
                ops = list(node.ops)
                ops[i] = new()
                self.add(node, "cmp", "%s->%s#%d" % (CMP_SYM[type(op)], CMP_SYM[new], i),
                         self.swapped(node, "ops", ops))
        elif t is ast.BoolOp:
            new = ast.Or if isinstance(node.op, ast.And) else ast.And
            self.add(node, "bool", "and->or" if new is ast.Or else "or->and",
                     self.swapped(node, "op", new()))
        elif t is ast.UnaryOp and isinstance(node.op, (ast.Not, ast.USub)):
            desc = "not-removed" if isinstance(node.op, ast.Not) else "minus-removed"
            self.add(node, "bool" if desc == "not-removed" else "arith", desc,
                     "(" + self.segment(node.operand) + ")")
        elif t is ast.Constant:
            v = node.value
            if isinstance(v, bool):
                self.add(node, "const", "%s->%s" % (v, not v), repr(not v))
            elif isinstance(v, int):
                self.add(node, "const", "%d->%d" % (v, v + 1), "(%d)" % (v + 1))
            elif isinstance(v, float):
                self.add(node, "const", "%r->%r" % (v, v + 1.0), "(%r)" % (v + 1.0))
            elif isinstance(v, str) and v:
                self.add(node, "const", "str->''", "''")
            elif isinstance(v, bytes) and v:
                self.add(node, "const", "bytes->b''", "b''")
        elif t is ast.Return and node.value is not None and not (
                isinstance(node.value, ast.Constant) and node.value.value is None):
            self.add(node, "return", "return-None", "None", target=node.value)
        elif t in (ast.If, ast.While, ast.IfExp):
            self.add(node, "cond", "negated", "not (" + self.segment(node.test) + ")",
                     target=node.test)


def candidates(src):
    """Every mutant of the source bytes, in source order (compiling or not)."""
    en = _Enumerator(src)
    en.visit(ast.parse(src), False)
    return en.out


def select(path, src, n, seed):
    """(chosen mutants, number of candidates, number dropped because they do not compile)."""
    ok, dropped = [], 0
    for m in candidates(src):
        try:
            compile(m.apply(src), path, "exec")
            ok.append(m)
        except (SyntaxError, ValueError):
            dropped += 1
    total = len(ok) + dropped
    rnd = random.Random("%d:%s" % (seed, path.replace(os.sep, "/")))
    rnd.shuffle(ok)
    return ok[:n], total, dropped


# ---------------------------------------------------------------- running

class _Runner:
    """Runs pytest in its own process group; kill_all() stops every run still going."""

    def __init__(self, python):
        self.python = python
        self.lock = threading.Lock()
        self.procs = set()
        self.stopping = False

    def run(self, project, tests, timeout):
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        cmd = [self.python, "-m", "pytest", *tests, "-x", "-q", "-p", "no:cacheprovider"]
        start = time.monotonic()
        with self.lock:
            if self.stopping:
                raise KeyboardInterrupt
            p = subprocess.Popen(cmd, cwd=project, env=env, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 start_new_session=True)
            self.procs.add(p)
        try:
            out, _ = p.communicate(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            _killpg(p)
            out, _ = p.communicate()
            timed_out = True
        finally:
            with self.lock:
                self.procs.discard(p)
        return p.returncode, time.monotonic() - start, timed_out, out.decode("utf-8", "replace")

    def kill_all(self):
        with self.lock:
            self.stopping = True
            for p in self.procs:
                _killpg(p)


def _killpg(p):
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _clean_pycache(root):
    for d, subdirs, _ in os.walk(root):
        if "__pycache__" in subdirs:
            shutil.rmtree(os.path.join(d, "__pycache__"), ignore_errors=True)
            subdirs.remove("__pycache__")


def _tail(text, n=6):
    return "\n".join(text.strip().splitlines()[-n:])


def score(project, module, tests, python=sys.executable, seed=DEFAULT_SEED,
          mutants=DEFAULT_MUTANTS, jobs=1, log=None):
    """Mutation score of `tests` (paths relative to `project`) on `module` (relative path).

    Returns a dict: status ("ok" | "unknown"), reason, candidates, dropped_not_compiling, run,
    killed, timeouts, score (percent or None), baseline_s, and mutants [{id, line, outcome, s}]."""
    project = os.path.abspath(project)
    path = os.path.join(project, module)
    with open(path, "rb") as f:
        original = f.read()
    chosen, total, dropped = select(module, original, mutants, seed)
    res = {"module": module, "tests": list(tests), "seed": seed, "requested": mutants,
           "candidates": total, "dropped_not_compiling": dropped, "run": 0, "killed": 0,
           "timeouts": 0, "score": None, "status": "ok", "reason": "", "mutants": []}
    runner = _Runner(python)
    _clean_pycache(project)
    rc, base_s, timed_out, out = runner.run(project, tests, 600)
    res["baseline_s"] = round(base_s, 2)
    res["baseline_rc"] = rc
    if timed_out or rc not in (0, 5):
        res["status"] = "unknown"
        res["reason"] = "unmutated tests %s (pytest exit %d): %s" % (
            "time out" if timed_out else "fail", rc, _tail(out, 3))
        return res
    res["baseline_summary"] = _tail(out, 1)
    timeout = 10 * base_s + 5
    res["timeout_s"] = round(timeout, 1)

    # One project copy per extra worker, so two mutants never share a file.
    jobs = max(1, min(jobs, len(chosen) or 1))
    copies = [project]
    tmp_parent = tempfile.mkdtemp(prefix="aqe-mut-") if jobs > 1 else None
    for k in range(1, jobs):
        dst = os.path.join(tmp_parent, "p%d" % k)
        shutil.copytree(project, dst, symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__", ".coverage*"))
        copies.append(dst)
    work = queue.Queue()
    for i, m in enumerate(chosen):
        work.put((i, m))
    outcomes = [None] * len(chosen)
    errors = []

    def worker(root):
        target = os.path.join(root, module)
        try:
            while True:
                try:
                    i, m = work.get_nowait()
                except queue.Empty:
                    return
                try:
                    _write(target, m.apply(original))
                    rc, s, to, out = runner.run(root, tests, timeout)
                finally:
                    _write(target, original)
                outcome = "timeout" if to else ("survived" if rc in (0, 5) else "killed")
                outcomes[i] = {"id": m.mid, "line": m.line, "kind": m.kind, "outcome": outcome,
                               "rc": rc, "s": round(s, 2)}
                if log:
                    log("  mutant %d/%d %s: %s" % (i + 1, len(chosen), m.mid, outcome))
        except KeyboardInterrupt:
            return
        except Exception as e:  # a harness bug must not leave a mutant behind or hang the run
            errors.append(repr(e))
            runner.kill_all()

    threads = [threading.Thread(target=worker, args=(r,), daemon=True) for r in copies]
    old_term = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        for t in threads:
            t.start()
        for t in threads:
            while t.is_alive():
                t.join(0.2)
    except KeyboardInterrupt:
        runner.kill_all()
        for t in threads:
            t.join()
        raise
    finally:
        _write(path, original)
        signal.signal(signal.SIGTERM, old_term)
        if tmp_parent:
            shutil.rmtree(tmp_parent, ignore_errors=True)
    if errors:
        raise RuntimeError("mutation worker failed: " + "; ".join(errors))
    done = [o for o in outcomes if o]
    res["mutants"] = done
    res["run"] = len(done)
    res["killed"] = sum(o["outcome"] in ("killed", "timeout") for o in done)
    res["timeouts"] = sum(o["outcome"] == "timeout" for o in done)
    res["score"] = round(100.0 * res["killed"] / res["run"], 1) if done else None
    if not done:
        res["status"] = "unknown"
        res["reason"] = "no mutant candidates"
    return res


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def _write(path, data):
    tmp = path + ".aqe-mut-tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


# ---------------------------------------------------------------- self-test

_TINY = '''\
def clamp(x, lo, hi):
    """Clamp x into [lo, hi]."""
    if x < lo:
        return lo
    if x > hi:
        return hi
    return x


def is_even(n):
    return n % 2 == 0


def greet(name, excited=False):
    s = "hello " + name
    if excited and name:
        s += "!"
    return s


def total(xs):
    t = 0
    i = 0
    while i < len(xs):
        t += xs[i] * 1
        i += 1
    return t


def spin(n):
    while n != 0:
        n -= 1
    return True
'''

_GOOD_TESTS = '''\
from tiny import clamp, is_even, greet, total, spin

def test_clamp():
    assert clamp(5, 0, 10) == 5
    assert clamp(-1, 0, 10) == 0
    assert clamp(0, 0, 10) == 0
    assert clamp(11, 0, 10) == 10
    assert clamp(10, 0, 10) == 10

def test_is_even():
    assert is_even(4) is True
    assert is_even(3) is False

def test_greet():
    assert greet("bo") == "hello bo"
    assert greet("bo", True) == "hello bo!"
    assert greet("", True) == "hello "

def test_total():
    assert total([1, 2, 3]) == 6
    assert total([]) == 0

def test_spin():
    assert spin(3) is True
'''


def self_test(python):
    ok = True

    def check(cond, what):
        nonlocal ok
        print("%s %s" % ("ok  " if cond else "FAIL", what))
        ok = ok and cond

    tmp = tempfile.mkdtemp(prefix="aqe-mut-selftest-")
    try:
        with open(os.path.join(tmp, "tiny.py"), "w") as f:
            f.write(_TINY)
        for d in ("empty", "good", "failing"):
            os.mkdir(os.path.join(tmp, d))
        with open(os.path.join(tmp, "good", "test_tiny.py"), "w") as f:
            f.write(_GOOD_TESTS)
        with open(os.path.join(tmp, "failing", "test_bad.py"), "w") as f:
            f.write("from tiny import clamp\n\ndef test_bad():\n    assert clamp(1, 0, 2) == 2\n")
        src = _TINY.encode()
        cands = candidates(src)
        check(len(cands) >= 30, "%d candidates in the tiny module" % len(cands))
        kinds = {m.kind for m in cands}
        check(kinds == {"arith", "cmp", "bool", "const", "return", "cond"},
              "every operator class present: %s" % sorted(kinds))
        check(not any(m.line == 2 for m in cands), "the docstring is not mutated")
        a = [m.mid for m in select("tiny.py", src, 20, 5)[0]]
        b = [m.mid for m in select("tiny.py", src, 20, 5)[0]]
        c = [m.mid for m in select("tiny.py", src, 20, 6)[0]]
        check(a == b and a != c, "the selection is fixed by the seed")
        bad = b"def f(x):\n    return x\n"
        # `return x` -> `return None` compiles; an invalid splice must be dropped and counted
        m = Mutant(2, "x", "x", 11, 12, "(")
        try:
            compile(m.apply(bad), "bad.py", "exec")
            check(False, "an invalid mutant is rejected by compile")
        except SyntaxError:
            check(True, "an invalid mutant is rejected by compile")

        empty = score(tmp, "tiny.py", ["empty"], python, mutants=40)
        check(empty["status"] == "ok" and empty["run"] > 0 and empty["score"] == 0.0,
              "no tests: %s of %s killed (score %s%%)" % (empty["killed"], empty["run"], empty["score"]))
        good = score(tmp, "tiny.py", ["good"], python, mutants=40, jobs=2)
        check(good["status"] == "ok" and good["score"] is not None and good["score"] >= 80,
              "hand-written tests: %s of %s killed (score %s%%, %d timeouts)"
              % (good["killed"], good["run"], good["score"], good["timeouts"]))
        check(good["timeouts"] >= 1, "a mutant that loops forever counts as killed by timeout")
        failing = score(tmp, "tiny.py", ["failing"], python, mutants=5)
        check(failing["status"] == "unknown" and failing["score"] is None,
              "failing unmutated tests: score unknown (%s)" % failing["reason"].splitlines()[0])
        with open(os.path.join(tmp, "tiny.py")) as f:
            check(f.read() == _TINY, "the module is restored after the runs")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("self-test %s" % ("passed" if ok else "FAILED"))
    return 0 if ok else 1


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--project", help="project directory (pytest runs there)")
    ap.add_argument("--module", help="module file to mutate, relative to --project")
    ap.add_argument("--tests", action="append", default=[],
                    help="test path relative to --project (repeatable)")
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--mutants", type=int, default=DEFAULT_MUTANTS)
    ap.add_argument("--jobs", type=int, default=1, choices=(1, 2))
    ap.add_argument("--json", help="write the result here")
    ap.add_argument("--list", metavar="FILE", help="print every mutant candidate of FILE")
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args(argv)
    if a.self_test:
        return self_test(a.python)
    if a.list:
        with open(a.list, "rb") as f:
            src = f.read()
        for m in candidates(src):
            print("%s\t%s" % (m.mid, m.text))
        return 0
    if not (a.project and a.module and a.tests):
        ap.error("--project, --module and --tests are required")
    log = (lambda s: print(s, file=sys.stderr)) if a.verbose else None
    res = score(a.project, a.module, a.tests, a.python, a.seed, a.mutants, a.jobs, log)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    if res["status"] == "ok":
        print("%s: %d of %d mutants killed (%.1f%%, %d by timeout); %d candidates, %d not compiling"
              % (a.module, res["killed"], res["run"], res["score"], res["timeouts"],
                 res["candidates"], res["dropped_not_compiling"]))
    else:
        print("%s: score unknown: %s" % (a.module, res["reason"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
