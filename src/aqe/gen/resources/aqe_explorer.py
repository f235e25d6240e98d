"""aqe's built-in test generator, run by `aqe generate` inside the user's interpreter.

One process explores one module: it imports the module, builds candidate calls from type
hints, seeds harvested from the source and values earlier calls returned (feedback-directed,
as in Randoop), runs them under a line+arc tracer limited to the module's file, keeps the calls
that cover something new, reduces them by greedy set cover and renders each kept call as a
pytest function. Request: JSON on stdin. Reply: JSON on the original stdout.

The child is disposable: aqe gives it a temporary cwd and HOME, resource limits and no network;
it limits its own memory, CPU time and file size, every call gets a wall-clock alarm, and
aqe_sandbox (beside this file) refuses writes outside the sandbox and network use.
"""
import ast
import asyncio
import builtins
import collections.abc
import copy
import dataclasses
import datetime
import decimal
import doctest
import fractions
import enum
import inspect
import itertools
import json
import keyword
import linecache
import math
import operator
import os
import pathlib
import pickle
import random
import re
import resource
import shutil
import signal
import sys
import tempfile
import time
import typing

MAX_LITERAL_CHARS = 400
MAX_POOL = 40
MAX_STEPS = 3
MAX_LAZY_ITEMS = 200
# A call is cut off after CALL_CPU_S of its own CPU time (independent of machine load, so the
# same calls are cut on every run: output stays reproducible) or CALL_TIMEOUT_S of wall time
# (sleeps, blocking reads).
CALL_CPU_S = 0.5
CALL_TIMEOUT_S = 1.0
# A target's calls first get the shorter FIRST_CPU_S / FIRST_WALL_S; the full limits above
# apply only once one of its calls has returned after using more than half of a short one
# (code that is slow but finishes). A target whose call is cut off is given up for the rest of
# the module's exploration: a function that hangs, or loops on some input, costs one short
# cut-off (0.1 s CPU, 0.5 s wall) instead of two full ones (up to 2 s). Measured on the stdlib
# modules of bench/generate.sh (bench/RESULTS.md, "generate --parallel"): every cut-off there
# was a later call of a target whose earlier calls were fast (shlex 5, statistics 2), the same
# tests are kept (shlex 2 more), shlex explores in 3.1 s instead of 7.3 s. The wall cut-off
# stays at half a second so that on a loaded machine code that merely waited for a busy core
# is not given up; a slow call there raises the target to the full limits.
FIRST_CPU_S = 0.1
FIRST_WALL_S = 0.5
# Calls per second of --time-budget: the exploration's call budget. Calls, not seconds, bound it, so
# the same module gives the same tests on a fast and a slow machine; the time budget only stops
# a machine too slow for this rate (a warning then). A call here takes 0.2-0.5 ms.
CALLS_PER_S = 1000
DRY_CALLS = 3000
DESTRUCTIVE_NAME = re.compile(r"(delete|remove|rmtree|unlink|kill|shutdown|terminate|wipe|purge|format_disk)", re.I)
PID_NAME = re.compile(r"(^|_)(pid|pids|process|signal)(_|$)", re.I)
PATH_NAME = re.compile(r"(^|_)(path|file|filename|dir|directory|folder|dest|src)(_|$)", re.I)


class CallTimeout(BaseException):
    """Raised by the alarm inside a call that ran too long; cpu: the CPU limit (not the wall one)."""

    def __init__(self, cpu=False):
        super().__init__()
        self.cpu = cpu


def _on_alarm(signum, frame):
    raise CallTimeout(signum == signal.SIGPROF)


class StdinUsed(BaseException):
    """Raised when code under test reads stdin: pytest's captured stdin differs, so no test."""


class NoStdin:
    def _used(self, *args, **kwargs):
        raise StdinUsed()

    read = readline = readlines = fileno = __iter__ = __next__ = _used
    buffer = property(_used)
    closed = False
    encoding = "utf-8"

    def isatty(self):
        return False


# ---------------------------------------------------------------- recipes: values as code


class Recipe:
    """A value together with the code that makes it; built fresh for every run."""

    needs_tmp = False


class Lit(Recipe):
    def __init__(self, value):
        self.value = value

    def key(self):
        return ("lit", type(self.value).__name__, repr(self.value))


class Member(Recipe):
    def __init__(self, member):
        self.member = member

    def key(self):
        return ("member", type(self.member).__qualname__, self.member.name)


class Fn(Recipe):
    """A callable argument written as source: a builtin's name or a small lambda."""

    def __init__(self, source):
        self.source = source

    def key(self):
        return ("fn", self.source)


# Callables handed to parameters that take one (key=, func, pred, callbacks): builtins and
# lambdas of one or two arguments, so map/filter/reduce-like code and decorators are reached.
FN_SOURCES = ("len", "str", "bool", "abs", "sorted", "lambda x: x", "lambda x: x + 1", "lambda x: x * 2",
              "lambda x: not x", "lambda x: x % 2 == 0", "lambda x: (x, x)", "lambda x, y: x + y",
              "lambda x, y: (x, y)", "lambda *args, **kwargs: args", "max", "min")
CALLABLE_NAME = re.compile(r"(^|_)(func|funcs|fn|fns|f|g|key|keyfunc|pred|predicate|callback|cb|binop|function|"
                           r"handler|hook|transform|factory|op|callable|condition|check|mapper)(_|$)", re.I)
# Values of standard-library classes that real code takes (dates, decimals, fractions): the
# kinds offered for unannotated parameters when the module uses that library, and for hints.
FOREIGN = {
    "datetime": (datetime.datetime, [(2024, 2, 29, 12, 30), (2023, 12, 31, 23, 59, 59), (2000, 1, 1), (1999, 6, 15, 8, 5)]),
    "date": (datetime.date, [(2024, 2, 29), (2023, 12, 31), (2000, 1, 1), (2021, 6, 15)]),
    "timedelta": (datetime.timedelta, [(1,), (0, 3600), (-2,), (30, 0, 0, 0, 15)]),
    "time": (datetime.time, [(12, 30), (0, 0), (23, 59, 59)]),
    "decimal": (decimal.Decimal, [("1.5",), ("0",), ("-2.25",), ("100",), ("0.001",)]),
    "fraction": (fractions.Fraction, [(1, 3), (-5, 2), (0, 1), (7, 1)]),
}
FOREIGN_MODULES = {datetime: ("datetime", "date", "timedelta", "time"), decimal: ("decimal",), fractions: ("fraction",)}
FOREIGN_BY_CLASS = {cls: kind for kind, (cls, _) in FOREIGN.items()}
DATE_NAME = re.compile(r"(^|_)(dt|date|datetime|when|day|timestamp|start|end|until|since|before|after|now|today)(_|$)", re.I)
_FN_CODE = {}


def fn_value(source):
    """A fresh function object per build (as in each test), so a result showing its address
    differs between the two runs and is never asserted."""
    if source not in _FN_CODE:
        _FN_CODE[source] = compile(source, "<aqe>", "eval")
    return eval(_FN_CODE[source], {"__builtins__": builtins})


class Call(Recipe):
    """callee(*args, **kwargs); callee is an importable object (function, class, classmethod)."""

    def __init__(self, callee, args, kwargs):
        self.callee, self.args, self.kwargs = callee, list(args), dict(kwargs)

    def key(self):
        return ("call", qualified(self.callee), tuple(a.key() for a in self.args),
                tuple(sorted((k, v.key()) for k, v in self.kwargs.items())))


class Coll(Recipe):
    def __init__(self, kind, items):
        self.kind, self.items = kind, list(items)  # dict items are (key recipe, value recipe)

    def key(self):
        if self.kind == "dict":
            return ("dict", tuple((k.key(), v.key()) for k, v in self.items))
        return (self.kind, tuple(i.key() for i in self.items))


class Obj(Recipe):
    """An object built by `base` and then changed by method calls: rendered as statements."""

    def __init__(self, base, steps):
        self.base, self.steps = base, list(steps)  # steps: (method name, [arg recipes])

    def key(self):
        return ("obj", self.base.key(), tuple((m, tuple(a.key() for a in args)) for m, args in self.steps))


class TmpPath(Recipe):
    """A path inside pytest's tmp_path, optionally holding text written before the call."""

    needs_tmp = True

    def __init__(self, name, content, as_str):
        self.name, self.content, self.as_str = name, content, as_str

    def key(self):
        return ("tmp", self.name, None if self.content is None else self.content.key(), self.as_str)


def qualified(obj):
    return getattr(obj, "__module__", "?") + ":" + getattr(obj, "__qualname__", repr(obj))


def importable(obj):
    """(module, top-level name, attribute path) when `from module import name` reaches obj."""
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if not module or not qualname or "<" in qualname:
        return None
    mod = sys.modules.get(module)
    if mod is None:
        return None
    parts = qualname.split(".")
    cur = mod
    for p in parts:
        cur = getattr(cur, p, None)
        if cur is None:
            return None
    target = getattr(obj, "__func__", obj)
    if cur is not obj and getattr(cur, "__func__", cur) is not target:
        return None
    return module, parts[0], ".".join(parts)


_IMMUTABLE = (str, int, float, bool, type(None), bytes)


class Builder:
    """Turns recipes into fresh live values; tmp paths live under a directory made on first use."""

    def __init__(self, make_dir):
        self.make_dir = make_dir
        self._tmp = None

    @property
    def tmp_dir(self):
        if self._tmp is None:
            self._tmp = self.make_dir()
        return self._tmp

    def build(self, r):
        if isinstance(r, Lit):
            v = r.value
            return v if type(v) in _IMMUTABLE else copy.deepcopy(v)
        if isinstance(r, Member):
            return r.member
        if isinstance(r, Fn):
            return fn_value(r.source)
        if isinstance(r, Call):
            return r.callee(*[self.build(a) for a in r.args], **{k: self.build(v) for k, v in r.kwargs.items()})
        if isinstance(r, Coll):
            if r.kind == "dict":
                return {self.build(k): self.build(v) for k, v in r.items}
            items = [self.build(i) for i in r.items]
            return {"list": list, "tuple": tuple, "set": set}[r.kind](items)
        if isinstance(r, Obj):
            obj = self.build(r.base)
            for name, args in r.steps:
                if name.startswith("="):
                    setattr(obj, name[1:], self.build(args[0]))
                else:
                    getattr(obj, name)(*[self.build(a) for a in args])
            return obj
        if isinstance(r, TmpPath):
            path = pathlib.Path(self.tmp_dir) / r.name
            if r.content is not None:
                path.write_text(self.build(r.content), encoding="utf-8")
            return str(path) if r.as_str else path
        raise TypeError(r)


def snake(name):
    s = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()
    return re.sub(r"[^a-z0-9_]+", "_", s).strip("_") or "value"


_MODULE_QUALIFIED = {"datetime"}  # modules holding a class of their own name


class Renderer:
    """Turns recipes into source text, collecting imports and setup statements."""

    # Names a local variable must not shadow: the module's own names (a lowercase class such as
    # shlex.shlex), builtins, keywords and the names every test uses.
    reserved = set(dir(builtins)) | set(keyword.kwlist) | {"pytest", "result", "tmp_path", "math", "copy", "pickle"}

    def __init__(self):
        self.imports = set()
        self.lines = []
        self.var_counts = {}
        self.needs_tmp = False

    def ref(self, obj):
        where = importable(obj)
        if where is None:
            raise ValueError("not importable: %r" % (obj,))
        module, top, path = where
        if module == "builtins":
            return path
        if module in _MODULE_QUALIFIED:  # datetime.datetime: never `from datetime import datetime`
            self.imports.add("import " + module)
            return module + "." + path
        self.imports.add("from %s import %s" % (module, top))
        return path

    def var(self, base):
        base = snake(base)
        if base in self.reserved:
            base += "_obj"
        n = self.var_counts.get(base, 0) + 1
        self.var_counts[base] = n
        return base if n == 1 else "%s_%d" % (base, n)

    def expr(self, r):
        if isinstance(r, Lit):
            return literal_source(r.value, self)
        if isinstance(r, Member):
            return "%s.%s" % (self.ref(type(r.member)), r.member.name)
        if isinstance(r, Fn):
            return r.source
        if isinstance(r, Call):
            args = [self.expr(a) for a in r.args] + ["%s=%s" % (k, self.expr(v)) for k, v in r.kwargs.items()]
            return "%s(%s)" % (self.ref(r.callee), ", ".join(args))
        if isinstance(r, Coll):
            if r.kind == "dict":
                return "{%s}" % ", ".join("%s: %s" % (self.expr(k), self.expr(v)) for k, v in r.items)
            inner = ", ".join(self.expr(i) for i in r.items)
            if r.kind == "tuple":
                return "(%s,)" % inner if len(r.items) == 1 else "(%s)" % inner
            if r.kind == "set":
                return "{%s}" % inner if r.items else "set()"
            return "[%s]" % inner
        if isinstance(r, Obj):
            name = self.var(getattr(r.base.callee, "__name__", "obj") if isinstance(r.base, Call) else "obj")
            self.lines.append("%s = %s" % (name, self.expr(r.base)))
            for method, args in r.steps:
                texts = [self.expr(a) for a in args]
                if method.startswith("="):
                    self.lines.append("%s.%s = %s" % (name, method[1:], texts[0]))
                elif method in OPERATORS:
                    self.lines.append(op_source(method, name, texts, self))
                else:
                    self.lines.append("%s.%s(%s)" % (name, method, ", ".join(texts)))
            return name
        if isinstance(r, TmpPath):
            self.needs_tmp = True
            name = self.var("path")
            self.lines.append("%s = tmp_path / %r" % (name, r.name))
            if r.content is not None:
                self.lines.append("%s.write_text(%s, encoding=\"utf-8\")" % (name, self.expr(r.content)))
            return "str(%s)" % name if r.as_str else name
        raise TypeError(r)


# ---------------------------------------------------------------- faithful literals


def literal_source(value, renderer, depth=0):
    """Source text that evaluates back to an equal value, or raises ValueError."""
    if depth > 6:
        raise ValueError("too deep")
    if value is None or isinstance(value, (bool, str, bytes)):
        return repr(value)
    if isinstance(value, enum.Enum):
        return "%s.%s" % (renderer.ref(type(value)), value.name)
    if type(value) is int:
        return repr(value)
    if type(value) is float:
        if not math.isfinite(value):
            raise ValueError("non-finite float")
        return repr(value)
    if type(value) in (list, tuple):
        inner = [literal_source(v, renderer, depth + 1) for v in value]
        if type(value) is tuple:
            return "(%s,)" % inner[0] if len(inner) == 1 else "(%s)" % ", ".join(inner)
        return "[%s]" % ", ".join(inner)
    if type(value) in (set, frozenset):
        inner = sorted(literal_source(v, renderer, depth + 1) for v in value)
        body = "{%s}" % ", ".join(inner) if inner else "set()"
        return "frozenset(%s)" % (body if inner else "") if type(value) is frozenset else body
    if type(value) is dict:
        return "{%s}" % ", ".join("%s: %s" % (literal_source(k, renderer, depth + 1), literal_source(v, renderer, depth + 1))
                                  for k, v in value.items())
    if type(value) in _REPR_LITERALS:
        renderer.imports.add(_REPR_LITERALS[type(value)])
        return repr(value)
    if isinstance(value, tuple) and hasattr(type(value), "_fields"):  # a namedtuple
        inner = ["%s=%s" % (f, literal_source(v, renderer, depth + 1)) for f, v in zip(type(value)._fields, value)]
        return "%s(%s)" % (renderer.ref(type(value)), ", ".join(inner))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        params = inspect.signature(cls).parameters
        parts = []
        for f in dataclasses.fields(value):
            if not f.init:
                continue
            v = getattr(value, f.name)
            p = params.get(f.name)
            if p is not None and p.default is not inspect.Parameter.empty and _same(p.default, v):
                continue
            parts.append("%s=%s" % (f.name, literal_source(v, renderer, depth + 1)))
        return "%s(%s)" % (renderer.ref(cls), ", ".join(parts))
    raise ValueError("no literal form for %s" % type(value).__name__)


# Types whose repr is their source once the import is there (faithful_literal checks the round trip).
_REPR_LITERALS = {datetime.datetime: "import datetime", datetime.date: "import datetime",
                  datetime.timedelta: "import datetime", datetime.time: "import datetime",
                  decimal.Decimal: "from decimal import Decimal", fractions.Fraction: "from fractions import Fraction"}


def _same(a, b):
    try:
        return type(a) is type(b) and a == b
    except Exception:
        return False


def faithful_literal(value, renderer, tmp_dir):
    """A literal for value that round-trips (eval == value), is short and holds no temp path."""
    probe = Renderer()
    try:
        text = literal_source(value, probe)
    except Exception:
        return None
    if len(text) > MAX_LITERAL_CHARS or (tmp_dir and tmp_dir in text) or " object at 0x" in text:
        return None
    namespace = {}
    try:
        for line in sorted(probe.imports):
            exec(line, namespace)
        back = eval(text, namespace)
        if type(back) is not type(value) or not (back == value):
            return None
    except BaseException:
        return None
    renderer.imports |= probe.imports
    return text


# ---------------------------------------------------------------- coverage tracer


class Tracer:
    """Records lines and arcs executed in one file (the module under test)."""

    def __init__(self, filename):
        self.filename = filename
        self.units = set()

    def _local(self, frame, event, arg):
        if event == "line":
            line = frame.f_lineno
            prev = self._last.get(id(frame))
            self.units.add(line)
            self.units.add((prev, line))
            self._last[id(frame)] = line
        elif event == "return":
            self.units.add((self._last.pop(id(frame), None), -frame.f_code.co_firstlineno))
        return self._local

    def _global(self, frame, event, arg):
        if frame.f_code.co_filename == self.filename:
            self._last[id(frame)] = -frame.f_code.co_firstlineno
            return self._local
        return None

    def start(self):
        self.units = set()
        self._last = {}
        sys.settrace(self._global)

    def stop(self):
        sys.settrace(None)
        return self.units


class CoverageTarget:
    """What the explorer can reach in one file, in the tracer's own units, to stop exploring once
    the kept calls cover `percent` of it. Lines are those of the compiled code objects; the code the
    import already ran (module and class bodies) counts as covered, as it will when the tests run.
    Branches are two exits per `if`/`while`/`for` inside functions; a branch line's traced arcs count
    up to two. An estimate: the final coverage is the one measured by running the written tests."""

    BRANCHES = (ast.If, ast.While, ast.For, ast.AsyncFor)

    def __init__(self, source, filename, percent):
        self.percent = percent
        self.lines, self.import_lines, self.branch_lines = set(), set(), set()
        try:
            code = compile(source, filename, "exec")
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            return
        stack = [code]
        while stack:
            c = stack.pop()
            lines = {n for _, _, n in c.co_lines() if n}
            self.lines |= lines
            if not c.co_flags & inspect.CO_OPTIMIZED:  # module or class body: ran at import
                self.import_lines |= lines
            stack.extend(k for k in c.co_consts if inspect.iscode(k))
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in ast.walk(fn):
                    if isinstance(node, self.BRANCHES) and not (isinstance(node, ast.While) and _always_true(node.test)):
                        self.branch_lines.add(node.lineno)

    def total(self):
        return len(self.lines) + 2 * len(self.branch_lines)

    def covered(self, units):
        lines = (self.import_lines | {u for u in units if type(u) is int}) & self.lines
        exits = {}
        for u in units:
            if type(u) is tuple and len(u) == 2 and u[0] in self.branch_lines and u[1] != u[0]:
                exits.setdefault(u[0], set()).add(u[1])
        return len(lines) + sum(min(2, len(d)) for d in exits.values())

    def reached(self, units):
        """True when the units cover the target; never for a target of 100 % or more."""
        total = self.total()
        return 0 < self.percent < 100 and total > 0 and self.covered(units) * 100 >= self.percent * total


def _always_true(test):
    return isinstance(test, ast.Constant) and bool(test.value)


# ---------------------------------------------------------------- seeds


class Seeds:
    """Constants harvested from the sources: numbers, strings, bytes, container literals, and the
    punctuation the module's strings use (the alphabet of its structured inputs)."""

    def __init__(self):
        self.ints, self.floats, self.strs, self.byts = set(), set(), set(), set()
        self.seqs = {}  # repr -> list/tuple/dict literal of constants
        self.chars = set()


def _container_literal(node):
    if not isinstance(node, (ast.List, ast.Tuple, ast.Set, ast.Dict)):
        return None
    try:
        value = ast.literal_eval(node)
    except Exception:
        return None
    return value if 0 < len(value) <= 20 and len(repr(value)) <= 300 else None


def harvest_seeds(paths):
    """Constants of the given sources: literals, docstring examples and quoted words in docs."""
    seeds = Seeds()
    ints, floats, strs, byts = seeds.ints, seeds.floats, seeds.strs, seeds.byts
    for path in paths:
        try:
            tree = ast.parse(pathlib.Path(path).read_text(encoding="utf-8"))
        except Exception:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant):
                v = node.value
                if isinstance(v, bool) or v is None:
                    continue
                if isinstance(v, int) and abs(v) < 10 ** 12:
                    ints.update((v, v - 1, v + 1))
                elif isinstance(v, float):
                    floats.add(v)
                elif isinstance(v, bytes) and len(v) < 200:
                    byts.add(v)
                elif isinstance(v, str):
                    # Tokens and short values are seeds; messages and docs only lend their quoted words.
                    if len(v) <= 30 and len(v.split()) <= 2 and not v.endswith(" "):
                        strs.add(v)
                        seeds.chars.update(c for c in v if not c.isalnum() and not c.isspace() and ord(c) < 128)
                    _doc_words(v, seeds)
            elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
                if type(node.operand.value) in (int, float):
                    (ints if type(node.operand.value) is int else floats).add(-node.operand.value)
            else:
                value = _container_literal(node)
                if value is not None:
                    seeds.seqs.setdefault(repr(value), value)
    return seeds


def _doc_words(text, seeds):
    for m in re.finditer(r"``([^`\n]{1,60})``|'([^'\n]{1,60})'|\"([^\"\n]{1,60})\"", text):
        seeds.strs.add(next(g for g in m.groups() if g is not None))
    for tree in doctest_trees(text):
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and type(node.value) in (str, bytes, int, float):
                {str: seeds.strs, bytes: seeds.byts, int: seeds.ints, float: seeds.floats}[type(node.value)].add(node.value)
            else:
                value = _container_literal(node)
                if value is not None:
                    seeds.seqs.setdefault(repr(value), value)


def doctest_trees(text):
    """The parsed `>>>` examples of a docstring, in order; unparsable ones are left out."""
    if ">>>" not in text:
        return []
    out = []
    try:
        for ex in doctest.DocTestParser().get_examples(text):
            try:
                out.append(ast.parse(ex.source))
            except SyntaxError:
                continue
    except Exception:
        pass
    return out


def project_sources(module, root_dirs):
    """The module's own file and the project files it imports (transitively), for seeds."""
    roots = [os.path.realpath(d) for d in root_dirs]
    out = []
    for name, mod in sorted(sys.modules.items()):
        f = getattr(mod, "__file__", None)
        if f and any(os.path.realpath(f).startswith(r + os.sep) for r in roots):
            out.append(f)
    return sorted(set(out))


# ---------------------------------------------------------------- targets

# Dunders are explored through the syntax that reaches them, and written the same way:
# `a + b`, `b + a` (reflected), `a < b`, `-a`, `len(a)`. {r} is the receiver, {0}.. the operands.
_BINARY = {"add": "+", "sub": "-", "mul": "*", "truediv": "/", "floordiv": "//", "mod": "%", "pow": "**",
           "matmul": "@", "and": "&", "or": "|", "xor": "^", "lshift": "<<", "rshift": ">>"}
OPERATORS = {}
for _name, _sym in _BINARY.items():
    OPERATORS["__%s__" % _name] = ("{r} %s {0}" % _sym, "forward")
    OPERATORS["__r%s__" % _name] = ("{0} %s {r}" % _sym, "reflected")
for _name, _sym in {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!="}.items():
    OPERATORS["__%s__" % _name] = ("{r} %s {0}" % _sym, "forward")
OPERATORS.update({
    "__divmod__": ("divmod({r}, {0})", "forward"), "__rdivmod__": ("divmod({0}, {r})", "reflected"),
    "__neg__": ("-{r}", None), "__pos__": ("+{r}", None), "__abs__": ("abs({r})", None), "__invert__": ("~{r}", None),
    "__int__": ("int({r})", None), "__float__": ("float({r})", None), "__complex__": ("complex({r})", None),
    "__bool__": ("bool({r})", None), "__index__": ("operator.index({r})", None), "__bytes__": ("bytes({r})", None),
    "__trunc__": ("math.trunc({r})", None), "__floor__": ("math.floor({r})", None), "__ceil__": ("math.ceil({r})", None),
    "__round__": ("round({r})", "ndigits"), "__repr__": ("repr({r})", None), "__str__": ("str({r})", None),
    "__len__": ("len({r})", None), "__iter__": ("list({r})", None), "__reversed__": ("list(reversed({r}))", None),
    "__hash__": ("hash({r})", None), "__format__": ("format({r}, {0})", "spec"), "__contains__": ("{0} in {r}", "item"),
    "__getitem__": ("{r}[{0}]", "item"), "__setitem__": ("{r}[{0}] = {1}", "store"), "__delitem__": ("del {r}[{0}]", "item"),
    "__copy__": ("copy.copy({r})", None), "__deepcopy__": ("copy.deepcopy({r})", None),
    "__reduce__": ("pickle.loads(pickle.dumps({r}))", None), "__reduce_ex__": ("pickle.loads(pickle.dumps({r}))", None),
    "__getstate__": ("pickle.loads(pickle.dumps({r}))", None), "__call__": ("{r}({args})", "call"),
})
_OPERATOR_MODULES = {"operator.": "import operator", "math.": "import math", "copy.": "import copy",
                     "pickle.": "import pickle"}
_VOLATILE = {"__hash__"}  # str hashes change per process: never asserted exactly
_OP_WORDS = {"eq": "equals", "ne": "not_equals", "lt": "less_than", "le": "at_most", "gt": "greater_than",
             "ge": "at_least", "contains": "contains", "getitem": "getitem", "setitem": "setitem",
             "delitem": "delitem", "iter": "iter", "len": "len", "str": "str", "repr": "repr", "call": "call"}


def op_word(name):
    core = name.strip("_")
    if name in OPERATORS and OPERATORS[name][1] == "reflected":
        return "reflected_" + _OP_WORDS.get(core[1:], core[1:])
    return _OP_WORDS.get(core, core)


def op_code(template, nargs):
    """The template compiled against the names r, a0, a1, ...: exactly what the test will say."""
    text = template.replace("{args}", ", ".join("a%d" % i for i in range(nargs)))
    text = text.format(*["a%d" % i for i in range(nargs)], r="r")
    mode = "exec" if (" = " in text or text.startswith("del ")) else "eval"
    return compile(text, "<aqe-op>", mode), mode


class Target:
    """Something a test can call: a function, a constructor, a method, a property, a dunder."""

    def __init__(self, kind, owner, name, func, line, emit):
        self.kind, self.owner, self.name, self.func, self.line, self.emit = kind, owner, name, func, line, emit
        self.timeouts = 0  # calls that hit the alarm; a target with one is given up
        self.calls = 0  # calls made (a given-up target's: up to and including the cut one)
        self.slow = False  # a call returned after half a short cut-off: later ones get the full limits
        self.cut_off = None  # the limit that cut it off ("0.5 s wall time")
        self.ran = 0  # calls that returned or raised (setup succeeded)
        self.noise = 0  # of those, calls that raised a type error of a wrong-typed input

    @property
    def label(self):
        if self.kind == "function":
            return self.name
        if self.kind == "init":
            return self.owner.__name__
        return "%s.%s" % (self.owner.__name__, self.name)


def _line_of(obj):
    try:
        return inspect.getsourcelines(obj)[1]
    except Exception:
        return 10 ** 9


def _defined_in_module(func, cls):
    """Generated dunders (dataclass __eq__/__repr__) have no lines in the module: not targets."""
    mod = sys.modules.get(cls.__module__)
    code_file = getattr(getattr(func, "__code__", None), "co_filename", None)
    mod_file = getattr(mod, "__file__", None)
    return bool(code_file and mod_file) and os.path.realpath(code_file) == os.path.realpath(mod_file)


def class_targets(cls, emit):
    out = []
    if not (issubclass(cls, enum.Enum) or inspect.isabstract(cls)):
        out.append(Target("init", cls, "__init__", cls, _line_of(cls), emit))
    for name, attr in sorted(vars(cls).items()):
        if name in OPERATORS:
            if inspect.isfunction(attr) and _defined_in_module(attr, cls):
                out.append(Target("op", cls, name, attr, _line_of(attr), emit))
            continue
        if name.startswith("_"):
            continue
        if isinstance(attr, property):
            out.append(Target("property", cls, name, attr.fget, _line_of(attr.fget), emit))
        elif isinstance(attr, classmethod):
            out.append(Target("classmethod", cls, name, getattr(cls, name), _line_of(attr.__func__), emit))
        elif isinstance(attr, staticmethod):
            out.append(Target("staticmethod", cls, name, getattr(cls, name), _line_of(attr.__func__), emit))
        elif inspect.isfunction(attr) and not inspect.isasyncgenfunction(attr):
            out.append(Target("method", cls, name, attr, _line_of(attr), emit))
    return out


def module_targets(mod):
    out = []
    for name, obj in vars(mod).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != mod.__name__:
            continue
        if inspect.isfunction(obj) and not inspect.isasyncgenfunction(obj):
            out.append(Target("function", None, name, obj, _line_of(obj), True))
        elif inspect.isclass(obj):
            out.extend(class_targets(obj, True))
    return sorted(out, key=lambda t: (t.line, t.label))


# ---------------------------------------------------------------- the explorer


class Outcome:
    def __init__(self, kind, value=None, receiver=None, units=frozenset()):
        self.kind, self.value, self.receiver, self.units = kind, value, receiver, units
        self.changed = {}  # positional index -> the argument's value after the call, when the call changed it


class Candidate:
    def key(self):
        return (self.target.label, None if self.receiver is None else self.receiver.key(),
                tuple(a.key() for a in self.args), tuple(sorted((k, v.key()) for k, v in self.kwargs.items())))

    def __init__(self, target, receiver, args, kwargs):
        self.target, self.receiver, self.args, self.kwargs = target, receiver, args, kwargs
        self.lazy = False  # the call returned a generator or iterator: the test wraps it in list()
        self.awaited = False  # the call returned a coroutine: the test runs it with asyncio.run()
        self.kinds = []    # (stats key, kind) of its unannotated inputs


_LAZY = (type(x for x in ()), map, filter, zip, enumerate, reversed)


class Explorer:
    def __init__(self, mod, filename, seeds, project_roots, deadline, target=None):
        self.mod, self.filename, self.deadline = mod, filename, deadline
        self.target = target  # CoverageTarget or None: explore until the call or time budget
        self.stopped_at_target = False
        self.rng = random.Random("aqe:" + mod.__name__)
        self.tracer = Tracer(filename)
        ints, floats, strs, byts = seeds.ints, seeds.floats, seeds.strs, seeds.byts
        ints |= {0, 1, -1, 2, 3, 10, 100}
        self.ints = sorted(ints)
        self.floats = sorted(floats | {0.0, 0.5, 1.0, -1.0, 1.5} | {float(i) for i in self.ints if abs(i) < 10 ** 6})
        # Non-ASCII text too: accents, a combining mark, a joiner, right-to-left and CJK scripts.
        self.strs = sorted(strs | {"", " ", "a", "abc", "x", "\u00e9", "Stra\u00dfe", "e\u0301", "a\u200db",
                                   "\u05d0\u05d1", "\u65e5\u672c"} | {str(i) for i in self.ints if i >= 0})
        self.strs_set = set(self.strs)
        self.good_strs = []  # inputs of calls that reached new code: mutated further
        self.good_set = set()
        self.related = []    # strings the current receiver was built with
        self.byts = sorted(byts | {b"", b"abc"})
        self.good_byts = []
        self.seqs = [seeds.seqs[k] for k in sorted(seeds.seqs)]
        self.chars = sorted(seeds.chars) or list("-_.,:/")
        self.kind_stats = {}  # (callable, parameter) -> {kind: weight}: what untyped inputs worked
        self._kinds = []      # (stats key, kind) of the candidate being built
        self._param = None
        self.has_bytes = bool(byts)
        self.foreign = sorted(self._foreign_kinds(mod))
        self.pools = {}  # class -> list of recipes known to build
        self.pool_keys = set()
        self.project_roots = project_roots
        self.covered = set()
        self.kept = []  # (candidate, outcome)
        self.tmp_root = _scratch_root()
        self.run_count = 0
        self._hints = {}
        self._op_code = {}
        self.attrs = {}  # class -> [(public attribute, type)] of simple values, settable in tests
        self._project = {}
        os.chdir(self.tmp_root)

    # -- values

    @staticmethod
    def _foreign_kinds(mod):
        kinds = set()
        for value in list(vars(mod).values()):
            for lib, names in FOREIGN_MODULES.items():
                if value is lib or getattr(value, "__module__", None) == lib.__name__:
                    kinds.update(names)
        return kinds

    def foreign_value(self, kind):
        cls, argsets = FOREIGN[kind]
        return Call(cls, [Lit(a) for a in self.rng.choice(argsets)], {})

    def project_class(self, cls):
        key = id(cls)
        if key not in self._project:
            self._project[key] = (cls, self._in_project(cls))
        return self._project[key][1]

    def _in_project(self, cls):
        f = getattr(sys.modules.get(getattr(cls, "__module__", "")), "__file__", None)
        return bool(f) and any(os.path.realpath(f).startswith(os.path.realpath(r) + os.sep) for r in self.project_roots)

    def hints(self, func):
        key = id(func)
        if key not in self._hints:
            self._hints[key] = (func, self._resolve_hints(func))
        return self._hints[key][1]

    def _resolve_hints(self, func):
        try:
            return typing.get_type_hints(func)
        except Exception:
            out = {}
            for name, p in _signature(func).parameters.items():
                if isinstance(p.annotation, str):
                    try:
                        out[name] = eval(p.annotation, dict(vars(typing)), getattr(func, "__globals__", {}))
                    except Exception:
                        pass
                elif p.annotation is not inspect.Parameter.empty:
                    out[name] = p.annotation
            return out

    def value_for(self, ann, name="", depth=0, destructive=False):
        rng = self.rng
        if depth > 3:
            return Lit(None)
        if PATH_NAME.search(name) and (ann in (None, str, pathlib.Path, os.PathLike) or _is_union(ann)):
            return self.tmp_path(as_str=ann is str)
        if destructive and PID_NAME.search(name):
            return None
        if _is_callable_hint(ann) or (ann in (None, inspect.Parameter.empty) and CALLABLE_NAME.search(name)
                                      and rng.random() < 0.7):
            return Fn(rng.choice(FN_SOURCES))
        if ann in FOREIGN_BY_CLASS:
            return self.foreign_value(FOREIGN_BY_CLASS[ann])
        if ann in (None, inspect.Parameter.empty) and self.foreign and DATE_NAME.search(name) and rng.random() < 0.6:
            dates = [k for k in self.foreign if k in ("datetime", "date")]
            if dates:
                return self.foreign_value(rng.choice(dates))
        if ann is None or ann is typing.Any or ann is inspect.Parameter.empty or ann is object:
            return self.untyped(name, depth)
        origin = typing.get_origin(ann)
        args = typing.get_args(ann)
        if _is_union(ann):
            arms = list(args)
            if type(None) in arms and rng.random() < 0.15:
                return Lit(None)
            arms = [a for a in arms if a is not type(None)] or [type(None)]
            return self.value_for(rng.choice(arms), name, depth, destructive)
        if ann is type(None):
            return Lit(None)
        if ann is bool:
            return Lit(rng.random() < 0.5)
        if ann is int:
            return Lit(rng.choice(self.ints))
        if ann is float:
            return Lit(rng.choice(self.floats))
        if ann is str:
            return Lit(self.string())
        if ann is bytes:
            return Lit(self.bytes_value())
        if ann in (pathlib.Path, os.PathLike):
            return self.tmp_path(as_str=False)
        if origin in (list, typing.List, set, frozenset) or origin in _SEQ_ORIGINS or ann in (list, set, tuple):
            item = args[0] if args else None
            n = rng.choice((0, 1, 1, 2, 2, 3, 4))
            items = [self.value_for(item, name, depth + 1) for _ in range(n)]
            if any(i is None for i in items):
                return None
            kind = "set" if origin in (set, frozenset) or ann is set else "list"
            if kind == "set" and not all(isinstance(i, (Lit, Member)) for i in items):
                kind = "list"
            return Coll(kind, items)
        if origin is tuple:
            if len(args) == 2 and args[1] is Ellipsis:
                items = [self.value_for(args[0], name, depth + 1) for _ in range(rng.choice((0, 1, 2, 3)))]
            else:
                items = [self.value_for(a, name, depth + 1) for a in args]
            return None if any(i is None for i in items) else Coll("tuple", items)
        if origin in _MAP_ORIGINS or ann is dict:
            kt, vt = (args + (None, None))[:2] if args else (str, None)
            return self.mapping(kt, vt, name, depth)
        if inspect.isclass(ann) and issubclass(ann, enum.Enum):
            return Member(rng.choice(list(ann)))
        if inspect.isclass(ann):
            return self.instance(ann, depth)
        return self.untyped(name, depth)

    def mapping(self, kt, vt, name, depth):
        items, seen = [], set()
        for _ in range(self.rng.choice((0, 1, 1, 2, 2, 3))):
            v = self.value_for(vt, name, depth + 1)
            if v is None:
                return None
            k = None
            if kt is str and self.rng.random() < 0.7:
                k = self.key_from_value(v)
            if k is None:
                k = self.value_for(kt, "", depth + 1)
            if k is None or not isinstance(k, (Lit, Member)) or k.key() in seen:
                continue
            seen.add(k.key())
            items.append((k, v))
        return Coll("dict", items)

    def key_from_value(self, recipe):
        """Catalogues are keyed by an id the value holds: reuse one of its string fields."""
        try:
            value = Builder(self.scratch).build(recipe)
            fields = [getattr(value, f.name) for f in dataclasses.fields(value)] if dataclasses.is_dataclass(value) else []
        except BaseException:
            return None
        strs = [f for f in fields if isinstance(f, str) and f]
        return Lit(strs[0]) if strs else None

    def string(self):
        rng, r = self.rng, self.rng.random()
        if self.related and rng.random() < 0.3:
            return rng.choice(self.related)
        if self.good_strs and rng.random() < 0.45:
            base = rng.choice(self.good_strs)
            return base if rng.random() < 0.3 else self.mutate(base)
        if r < 0.55:
            return rng.choice(self.strs)
        parts = [rng.choice(self.strs) for _ in range(rng.choice((2, 2, 3, 4)))]
        if r < 0.8:
            return " ".join(parts)
        if r < 0.9:
            return "".join(parts[:2])
        return "\n".join(parts)

    def mutate_chars(self, text):
        """Character-level mutation for structured text (addresses, specs, templates): insert a
        punctuation character of the module's own strings or a short seed, drop or repeat a slice."""
        rng = self.rng
        as_bytes = isinstance(text, bytes)
        op = rng.random()
        i = rng.randrange(len(text) + 1)
        j = min(len(text), i + rng.choice((1, 1, 2, 3)))
        if op < 0.45:
            piece = rng.choice(self.chars) if rng.random() < 0.6 else rng.choice(self.strs)[:8]
            if as_bytes:
                piece = piece.encode("utf-8", "replace")
            return text[:i] + piece + text[i:]
        if op < 0.7 and text:
            return text[:i] + text[j:]
        if op < 0.85 and text:
            return text[:i] + text[i:j] + text[i:]
        if text:
            k = rng.randrange(len(text))
            repl = rng.choice(self.chars) if rng.random() < 0.5 else rng.choice("0123456789abcdefxyzAZ")
            if as_bytes:
                repl = repl.encode("ascii", "replace")
            return text[:k] + repl + text[k + 1:]
        return text

    def mutate(self, text):
        """Coverage-guided token mutation: extend, replace or drop one whitespace token."""
        rng = self.rng
        if rng.random() < 0.5:
            return self.mutate_chars(text)
        tokens = text.split(" ")
        op = rng.random()
        token = rng.choice(self.strs) if rng.random() < 0.8 else str(rng.choice(self.ints))
        if op < 0.45:
            tokens.append(token)
        elif op < 0.8:
            tokens[rng.randrange(len(tokens))] = token
        elif op < 0.9 and len(tokens) > 1:
            del tokens[rng.randrange(len(tokens))]
        else:
            tokens.insert(rng.randrange(len(tokens) + 1), token)
        return " ".join(tokens)

    def note_good(self, cand):
        """Strings of a call that reached new code become mutation bases."""
        for r in list(cand.args) + list(cand.kwargs.values()):
            if isinstance(r, Lit) and type(r.value) in (str, bytes) and len(r.value) <= 200 and r.value not in self.good_set:
                self.good_set.add(r.value)
                (self.good_strs if isinstance(r.value, str) else self.good_byts).append(r.value)

    def base_kinds(self):
        kinds = {"str": 4.0, "int": 3.0, "none": 1.0, "float": 1.0, "bytes": 2.0 if self.has_bytes else 0.5,
                 "ints": 1.0, "strs": 0.7, "dict": 0.7, "bool": 0.5, "fn": 0.3}
        if self.seqs:
            kinds["seq"] = 1.5
        for k in self.foreign:
            kinds[k] = 1.0
        return kinds

    def untyped(self, name, depth):
        """A value for an unannotated parameter: the kinds that ran without error before get likelier
        (per callable and parameter), so bytes-only or list-only parameters are found quickly."""
        key = self._param if depth == 0 else None
        weights = self.kind_stats.get(key) if key is not None else None
        if weights is None:
            weights = self.base_kinds()
            if key is not None:
                self.kind_stats[key] = weights
        kinds = sorted(weights)
        kind = self.rng.choices(kinds, [weights[k] for k in kinds])[0]
        if key is not None:
            self._kinds.append((key, kind))
        return self.untyped_of(kind)

    def untyped_of(self, kind):
        rng = self.rng
        if kind == "str":
            return Lit(self.string())
        if kind == "int":
            return Lit(rng.choice(self.ints))
        if kind == "none":
            return Lit(None)
        if kind == "float":
            return Lit(rng.choice(self.floats))
        if kind == "bool":
            return Lit(rng.random() < 0.5)
        if kind == "bytes":
            return Lit(self.bytes_value())
        if kind == "ints":
            return Coll("list", [Lit(rng.choice(self.ints)) for _ in range(rng.choice((0, 1, 2, 3, 5)))])
        if kind == "strs":
            return Coll("list", [Lit(self.string()) for _ in range(rng.choice((0, 1, 2, 3)))])
        if kind == "seq":
            return Lit(rng.choice(self.seqs))
        if kind == "fn":
            return Fn(rng.choice(FN_SOURCES))
        if kind in FOREIGN:
            return self.foreign_value(kind)
        keys = self.identifiers() or self.strs
        items = []
        for k in sorted(set(rng.choice(keys) for _ in range(rng.choice((0, 1, 2, 3))))):
            items.append((Lit(k), Lit(self.string()) if rng.random() < 0.6 else Lit(rng.choice(self.ints))))
        return Coll("dict", items)

    def identifiers(self):
        """Names in the strings the receiver was built with: likely keys of a mapping argument."""
        out = set()
        for text in self.related:
            out.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
        return sorted(out)

    def learn(self, cand, out, new):
        """Raises the weight of the input kinds of a call that ran, more when it reached new code."""
        if out is None or not cand.kinds:
            return
        gain = (2.0 if out.kind == "ok" else 0.0) + (3.0 if new else 0.0)
        if not gain:
            return
        for key, kind in cand.kinds:
            weights = self.kind_stats[key]
            weights[kind] = min(weights[kind] + gain, 60.0)

    def bytes_value(self):
        rng = self.rng
        if self.good_byts and rng.random() < 0.4:
            base = rng.choice(self.good_byts)
            return base if rng.random() < 0.3 else self.mutate_chars(base)
        if rng.random() < 0.7:
            return rng.choice(self.byts)
        text = self.string()
        try:
            return text.encode("ascii")
        except UnicodeEncodeError:
            return text.encode("utf-8")

    def tmp_path(self, as_str):
        content = None
        if self.rng.random() < 0.6:
            content = Lit(self.string())
        return TmpPath("data.txt", content, as_str)

    def instance(self, cls, depth):
        pool = self.pools.get(cls)
        subs = [c for c in self.pools if c is not cls and inspect.isclass(c) and issubclass(c, cls)]
        candidates = list(pool or [])
        for s in subs:
            candidates.extend(self.pools[s][:5])
        if candidates and (self.rng.random() < 0.85 or depth > 1):
            return self.rng.choice(candidates)
        if not self.project_class(cls) or inspect.isabstract(cls):
            return None if not candidates else self.rng.choice(candidates)
        return self.call_recipe(cls, cls, depth + 1)

    def call_recipe(self, callee, sig_of, depth, skip_first=False, destructive=False):
        sig = _signature(sig_of)
        if sig is None:
            return None
        hints = self.hints(getattr(sig_of, "__init__", sig_of) if inspect.isclass(sig_of) and not dataclasses.is_dataclass(sig_of) else sig_of)
        args, kwargs = [], {}
        params = list(sig.parameters.values())
        if skip_first and params and params[0].name in ("self", "cls"):
            params = params[1:]
        for p in params:
            if p.kind == p.VAR_POSITIONAL and not kwargs and len(args) == params.index(p) and self.rng.random() < 0.6:
                # f(*items): a few positional values of the element's hint
                ann = hints.get(p.name, None if p.annotation is p.empty else p.annotation)
                for _ in range(self.rng.choice((1, 1, 2, 2, 3))):
                    self._param = (id(sig_of), p.name) if depth == 0 else None
                    v = self.value_for(ann, p.name, depth, destructive)
                    self._param = None
                    if v is None:
                        break
                    args.append(v)
                continue
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            has_default = p.default is not p.empty
            if has_default and self.rng.random() < 0.5:
                continue
            self._param = (id(sig_of), p.name) if depth == 0 else None
            v = self.value_for(hints.get(p.name, None if p.annotation is p.empty else p.annotation), p.name, depth, destructive)
            self._param = None
            if v is None:
                if has_default:
                    continue
                return None
            if p.kind == p.KEYWORD_ONLY or (has_default and (kwargs or len(args) < params.index(p))):
                kwargs[p.name] = v
            elif kwargs:
                kwargs[p.name] = v
            else:
                args.append(v)
        return Call(callee, args, kwargs)

    # -- candidates

    def candidate(self, t):
        self._kinds = []
        cand = self._candidate(t)
        if cand is not None:
            cand.kinds = self._kinds
        return cand

    def _candidate(self, t):
        destructive = bool(DESTRUCTIVE_NAME.search(t.name))
        receiver = None
        self.related = []
        if t.kind in ("method", "property", "op"):
            receiver = self.instance(t.owner, 0) if not issubclass(t.owner, enum.Enum) else Member(self.rng.choice(list(t.owner)))
            if receiver is None:
                return None
        if receiver is not None and self.rng.random() < 0.3:
            receiver = self.mutate_recipe(receiver)
        if receiver is not None and self.rng.random() < 0.25:
            receiver = self.with_attribute_set(t.owner, receiver)
        if t.kind == "property":
            return Candidate(t, receiver, [], {})
        if receiver is not None:
            if not hasattr(receiver, "strings"):
                receiver.strings = sorted(set(_strings_in(receiver)))
            self.related = receiver.strings
        if t.kind == "init":
            call = self.call_recipe(t.owner, t.owner, 0, destructive=destructive)
        elif t.kind == "op":
            call = self.operands(t)
        else:
            call = self.call_recipe(t.func, t.func, 0, skip_first=t.kind == "method", destructive=destructive)
        if call is None:
            return None
        return Candidate(t, receiver, call.args, call.kwargs)

    def mutate_recipe(self, r):
        """A receiver like one that worked, with one literal argument mutated: objects whose
        constructor only stores its input (a template, a pattern) are explored through their state."""
        if isinstance(r, Obj):
            base = self.mutate_recipe(r.base)
            return r if base is r.base else Obj(base, r.steps)
        if not isinstance(r, Call):
            return r
        slots = [i for i, a in enumerate(r.args) if isinstance(a, Lit) and type(a.value) in (str, bytes, int)]
        slots += [k for k in sorted(r.kwargs) if isinstance(r.kwargs[k], Lit) and type(r.kwargs[k].value) in (str, bytes, int)]
        if not slots:
            return r
        slot = self.rng.choice(slots)
        old = (r.args[slot] if isinstance(slot, int) else r.kwargs[slot]).value
        if isinstance(old, str):
            new = Lit(self.mutate(old) if old else self.string())
        elif isinstance(old, bytes):
            new = Lit(self.mutate_chars(old))
        else:
            new = Lit(self.rng.choice(self.ints))
        args, kwargs = list(r.args), dict(r.kwargs)
        if isinstance(slot, int):
            args[slot] = new
        else:
            kwargs[slot] = new
        return Call(r.callee, args, kwargs)

    def with_attribute_set(self, cls, receiver):
        """Objects are also configured through public attributes (lexer.debug = 1): set one."""
        attrs = self.attrs.get(cls)
        if not attrs or not isinstance(receiver, (Call, Obj)):
            return receiver
        name, kind = self.rng.choice(attrs)
        if kind is bool:
            value = Lit(self.rng.random() < 0.5)
        elif kind is int:
            value = Lit(self.rng.choice([0, 1, 2, 3] + self.ints[:20]))
        elif kind is str or kind is type(None):
            value = Lit(self.string())
        else:
            return receiver
        base, steps = (receiver.base, receiver.steps) if isinstance(receiver, Obj) else (receiver, [])
        return Obj(base, steps + [("=" + name, [value])])

    def note_attributes(self, value):
        cls = type(value)
        if cls in self.attrs:
            return
        try:
            items = sorted(vars(value).items())
        except TypeError:
            items = []
        self.attrs[cls] = [(n, type(v)) for n, v in items
                           if not n.startswith("_") and type(v) in (bool, int, str, type(None))]

    def operands(self, t):
        """The other operands of a dunder: hinted values, objects of the same class, numbers."""
        role = OPERATORS[t.name][1]
        if role is None:
            return Call(None, [], {})
        if role == "call":
            return self.call_recipe(t.func, t.func, 0, skip_first=True)
        params = [p for p in list(_signature(t.func).parameters.values())[1:] if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        hints = self.hints(t.func)
        if role == "ndigits":
            return Call(None, [Lit(self.small_int())] if self.rng.random() < 0.6 else [], {})
        if role == "spec":
            return Call(None, [Lit(self.string())], {})
        count = 2 if role == "store" else 1
        args = []
        for i in range(count):
            ann = hints.get(params[i].name) if i < len(params) else None
            v = None
            if ann is not None and self.rng.random() < 0.5:
                v = self.value_for(ann, params[i].name, 1)
            if v is None:
                v = self.other_operand(t, role)
            if v is None:
                return None
            args.append(v)
        return Call(None, args, {})

    def small_int(self):
        """Operands stay small: 7 ** 1000000 is a test nobody wants and a call that times out."""
        small = [i for i in self.ints if abs(i) <= 1000] or [0, 1, 2]
        return self.rng.choice(small)

    def other_operand(self, t, role):
        r = self.rng.random()
        if role == "forward" and r < 0.4:
            return self.instance(t.owner, 1)
        if role in ("forward", "reflected"):
            r = self.rng.random()
            if r < 0.45:
                return Lit(self.small_int())
            if r < 0.75:
                return Lit(self.rng.choice(self.floats))
            return self.untyped("", 1)
        if r < 0.5:
            return Lit(self.string())
        if r < 0.8:
            return Lit(self.rng.choice(self.ints))
        return self.untyped("", 1)

    def invoke(self, cand, builder):
        """Builds the inputs (setup must succeed) and calls the target; returns an Outcome."""
        t = cand.target
        receiver = builder.build(cand.receiver) if cand.receiver is not None else None
        args = [builder.build(a) for a in cand.args]
        kwargs = {k: builder.build(v) for k, v in cand.kwargs.items()}
        watched = {i: _arg_state(a) for i, a in enumerate(args) if isinstance(cand.args[i], (Coll, Call, Obj))}
        try:
            if t.kind == "property":
                value = getattr(receiver, t.name)
            elif t.kind == "op":
                value, receiver = self.apply_op(t, receiver, args)
            elif t.kind == "method":
                before = _state(receiver)
                value = getattr(receiver, t.name)(*args, **kwargs)
                if _state(receiver) == before:
                    receiver = None  # a query: the object's state is no more interesting than before
            else:
                value = t.func(*args, **kwargs)
            if inspect.iscoroutine(value):
                cand.awaited = True
                value = asyncio.run(value)
            if isinstance(value, _LAZY):
                cand.lazy = True
                value = list(itertools.islice(value, MAX_LAZY_ITEMS + 1))
                if len(value) > MAX_LAZY_ITEMS:  # huge or endless: the test takes the same prefix
                    cand.lazy = "prefix"
                    value = value[:MAX_LAZY_ITEMS]
            out = Outcome("ok", value, receiver)
            for i, before in watched.items():
                if before is not None and _arg_state(args[i]) != before:
                    out.changed[i] = args[i]  # insort(a, x), d.update(...): the argument is the result
            return out
        except CallTimeout:
            raise
        except (SystemExit, KeyboardInterrupt, GeneratorExit) as exc:
            return Outcome("exit", exc)
        except Exception as exc:
            return Outcome("raise", exc)

    def apply_op(self, t, receiver, args):
        """Evaluates the operator form; a statement form (a[k] = v) keeps the receiver's new state."""
        key = (t.name, len(args))
        if key not in self._op_code:
            template = OPERATORS[t.name][0]
            if t.name == "__round__" and args:
                template = "round({r}, {0})"
            self._op_code[key] = op_code(template, len(args))
        code, mode = self._op_code[key]
        ns = {"r": receiver, "operator": operator, "math": math, "copy": copy, "pickle": pickle}
        ns.update(("a%d" % i, a) for i, a in enumerate(args))
        if mode == "eval":
            return eval(code, ns), None
        before = _state(receiver)
        exec(code, ns)
        return None, (receiver if _state(receiver) != before else None)

    def run(self, cand):
        """Runs a candidate in a fresh temp dir under the tracer and the alarm."""
        self.run_count += 1
        t = cand.target
        t.calls += 1
        cpu_s, wall_s = (CALL_CPU_S, CALL_TIMEOUT_S) if t.slow else (FIRST_CPU_S, FIRST_WALL_S)
        builder = Builder(self.scratch)
        cpu0, wall0 = time.process_time(), time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, wall_s)
        signal.setitimer(signal.ITIMER_PROF, cpu_s)
        self.tracer.start()
        try:
            out = self.invoke(cand, builder)
            cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
            if cpu > 2 * cpu_s or wall > 2 * wall_s:
                # Ran past its limits in C code, where the alarm cannot stop it (tee(x, 10**9)).
                t.timeouts += 1
                t.cut_off = "%g s CPU time" % cpu_s if cpu > 2 * cpu_s else "%g s wall time" % wall_s
                return None
            if cpu > FIRST_CPU_S / 2 or wall > FIRST_WALL_S / 2:
                t.slow = True
        except CallTimeout as exc:
            t.timeouts += 1
            t.cut_off = "%g s CPU time" % cpu_s if exc.cpu else "%g s wall time" % wall_s
            return None
        except BaseException:
            return None  # setup failed: not a test
        finally:
            self.tracer.stop()
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.setitimer(signal.ITIMER_PROF, 0)
            os.chdir(self.tmp_root)
        out.units = frozenset(self.tracer.units)
        return out

    def scratch(self):
        """A fresh, empty directory for the paths of one run (the same name every time)."""
        path = os.path.join(self.tmp_root, "run")
        shutil.rmtree(path, ignore_errors=True)
        os.mkdir(path)
        return path

    def outcome_units(self, cand, out):
        t = cand.target
        if out.kind == "raise":
            tag = "raise:" + type(out.value).__qualname__
        elif out.value is None:
            tag = "none"
        elif isinstance(out.value, bool):
            tag = "bool:%s" % out.value
        else:
            tag = "ok:" + type(out.value).__qualname__
        units = {("outcome", t.label, tag)}
        units.update(("changes-arg", t.label, i) for i in out.changed)
        return units

    def remember(self, cand, out):
        """Feedback: returned strings and ints become seeds, built objects join the pools."""
        t, v = cand.target, out.value
        if out.kind != "ok":
            return
        if isinstance(v, str) and 0 < len(v) <= 200 and v not in self.strs_set:
            self.strs_set.add(v)
            self.strs.append(v)
        elif type(v) is int and v not in self.ints and abs(v) < 10 ** 12:
            self.ints.append(v)
        if t.kind == "init":
            self.note_attributes(v)
            self.add_pool(type(v), Call(t.owner, cand.args, cand.kwargs))
        elif t.kind == "classmethod" and inspect.isclass(type(v)) and self.project_class(type(v)):
            self.add_pool(type(v), Call(t.func, cand.args, cand.kwargs))
        elif t.kind == "function" and self.project_class(type(v)) and not isinstance(v, enum.Enum):
            self.add_pool(type(v), Call(t.func, cand.args, cand.kwargs))
        elif t.kind in ("method", "op") and out.receiver is not None and not isinstance(cand.receiver, Member):
            base, steps = (cand.receiver.base, cand.receiver.steps) if isinstance(cand.receiver, Obj) else (cand.receiver, [])
            if len(steps) < MAX_STEPS and not cand.kwargs:
                self.add_pool(type(out.receiver), Obj(base, steps + [(t.name, list(cand.args))]))

    def add_pool(self, cls, recipe):
        key = recipe.key()
        pool = self.pools.setdefault(cls, [])
        if key in self.pool_keys:
            return
        self.pool_keys.add(key)
        if len(pool) < MAX_POOL:
            pool.append(recipe)
        else:
            pool[self.rng.randrange(MAX_POOL)] = recipe

    def explore(self, targets, aux_targets, examples=(), max_calls=4000, per_round=60, patience=40):
        """Rounds over the targets until the call budget (deterministic: the same calls on every
        machine), the coverage target, or a dry spell: no new coverage in the last
        max(DRY_CALLS, half the calls made) calls. Returns False when the time budget, which only a
        slow machine reaches, ended it."""
        last_new = 0
        for cand in examples:  # the module's own doctest calls first: documented, meaningful inputs
            if time.monotonic() > self.deadline:
                return False
            if cand.target.timeouts:
                continue  # given up
            if self.attempt(cand):
                last_new = self.run_count
                if self.at_target():
                    return True
        while True:
            progressed = False
            for t in aux_targets + targets:
                if time.monotonic() > self.deadline:
                    return False
                if self.run_count >= max_calls or self.run_count - last_new > max(DRY_CALLS, last_new):
                    return True
                if t.timeouts:
                    continue  # given up: its one cut-off call was all it gets
                stale = 0
                attempts = per_round if t.emit else per_round // 3
                for _ in range(attempts):
                    if t.timeouts or self.run_count >= max_calls:
                        break
                    before = self.run_count
                    cand = self.candidate(t)
                    if cand is None or not self.attempt(cand):
                        stale += 1
                        if stale > patience:
                            break
                    elif self.at_target():
                        return True
                    else:
                        stale = 0
                        last_new = self.run_count
                    progressed = progressed or self.run_count > before
            if not progressed:
                return True  # no target could be called at all

    def at_target(self):
        """Checked after each kept call: coverage only grows then."""
        if self.target is not None and self.target.reached(self.covered):
            self.stopped_at_target = True
        return self.stopped_at_target

    def doctest_candidates(self, targets):
        """Calls written in the module's doctests (`>>> f(1, 'x')`, `>>> p = P(2)`, `>>> p.m(3)`)
        whose arguments are literals, module callables or names bound earlier in the same docstring."""
        try:
            tree = ast.parse(pathlib.Path(self.filename).read_text(encoding="utf-8"))
        except Exception:
            return []
        by_func = {id(t.func): t for t in targets if t.kind == "function"}
        by_class = {t.owner: t for t in targets if t.kind == "init"}
        by_member = {(t.owner, t.name): t for t in targets if t.kind in ("method", "classmethod", "staticmethod")}
        out, seen = [], set()
        nodes = [tree] + [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
        for node in nodes:
            doc = ast.get_docstring(node, clean=True)
            if not doc:
                continue
            env = {}
            for example in doctest_trees(doc):
                for stmt in example.body:
                    value = stmt.value if isinstance(stmt, (ast.Expr, ast.Assign)) else None
                    if value is None:
                        continue
                    for call in [n for n in ast.walk(value) if isinstance(n, ast.Call)]:
                        cand = self.doctest_call(call, env, by_func, by_class, by_member)
                        if cand is not None and cand.key() not in seen:
                            seen.add(cand.key())
                            out.append(cand)
                    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                        recipe = self.doctest_recipe(value, env)
                        if recipe is not None:
                            env[stmt.targets[0].id] = recipe
        return out[:300]

    def doctest_recipe(self, node, env):
        if isinstance(node, ast.Name):
            if node.id in env:
                return env[node.id]
            obj = getattr(self.mod, node.id, None)
            return Member(obj) if isinstance(obj, enum.Enum) else None
        if isinstance(node, ast.Call):
            callee = self.doctest_callee(node.func)
            if callee is None:
                return None
            args = self.doctest_args(node, env)
            return None if args is None else Call(callee, *args)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            obj = getattr(getattr(self.mod, node.value.id, None), node.attr, None)
            if isinstance(obj, enum.Enum):
                return Member(obj)
        try:
            value = ast.literal_eval(node)
        except Exception:
            return None
        return Lit(value) if len(repr(value)) <= MAX_LITERAL_CHARS else None

    def doctest_callee(self, func):
        """A callable of the module's namespace (its own or imported), reachable by an import."""
        if isinstance(func, ast.Name):
            obj = getattr(self.mod, func.id, None)
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            obj = getattr(getattr(self.mod, func.value.id, None), func.attr, None)
        else:
            return None
        if obj is None or not callable(obj) or importable(obj) is None:
            return None
        return obj

    def doctest_args(self, call, env):
        args, kwargs = [], {}
        for a in call.args:
            r = None if isinstance(a, ast.Starred) else self.doctest_recipe(a, env)
            if r is None:
                return None
            args.append(r)
        for k in call.keywords:
            r = self.doctest_recipe(k.value, env) if k.arg else None
            if r is None:
                return None
            kwargs[k.arg] = r
        return args, kwargs

    def doctest_call(self, call, env, by_func, by_class, by_member):
        func = call.func
        args = self.doctest_args(call, env)
        if args is None:
            return None
        if isinstance(func, ast.Attribute) and (isinstance(func.value, ast.Name) and func.value.id in env
                                                or isinstance(func.value, ast.Call)):
            receiver = self.doctest_recipe(func.value, env)
            if receiver is None:
                return None
            try:
                signal.setitimer(signal.ITIMER_REAL, CALL_TIMEOUT_S)
                cls = type(Builder(self.scratch).build(receiver))
            except BaseException:
                return None
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                os.chdir(self.tmp_root)
            t = next((by_member[(c, func.attr)] for c in cls.__mro__ if (c, func.attr) in by_member), None)
            return None if t is None or t.kind != "method" else Candidate(t, receiver, *args)
        callee = self.doctest_callee(func)
        if callee is None:
            return None
        if inspect.isclass(callee):
            t = by_class.get(callee)
        elif isinstance(func, ast.Attribute):
            t = by_member.get((getattr(self.mod, func.value.id, None), func.attr))
        else:
            t = by_func.get(id(callee))
        return None if t is None or t.kind == "method" else Candidate(t, None, *args)

    def attempt(self, cand):
        """Runs one candidate; True when it was kept because it covered something new."""
        t = cand.target
        out = self.run(cand)
        if out is None or out.kind == "exit":
            return False
        t.ran += 1
        if out.kind == "raise" and isinstance(out.value, MemoryError):
            return False  # it took the explorer's memory limit to raise: outside it, it allocates gigabytes
        if out.kind == "raise" and _type_confusion(out.value):
            t.noise += 1
            self.learn(cand, out, False)
            return False  # TypeError/AttributeError of a nonsense input, not one the code raises: noise
        units = set(out.units) | self.outcome_units(cand, out)
        new = units - self.covered
        self.learn(cand, out, bool(new))
        if new or len(self.pools.get(t.owner, ())) < 3:
            self.remember(cand, out)
        if t.emit and new:
            self.covered |= units
            self.kept.append((cand, out, frozenset(units)))
            self.note_good(cand)
            if isinstance(cand.receiver, (Call, Obj)) and t.owner is not None:
                self.add_pool(t.owner, cand.receiver)  # a receiver state that reached new code
            return True
        return False

    def select(self):
        """Greedy set cover over the kept calls; ties go to the earlier (simpler) call."""
        remaining = set().union(*[u for _, _, u in self.kept]) if self.kept else set()
        chosen, pool = [], list(enumerate(self.kept))
        while remaining and pool:
            best = max(pool, key=lambda iu: (len(iu[1][2] & remaining), -iu[0]))
            gain = best[1][2] & remaining
            if not gain:
                break
            chosen.append(best)
            remaining -= gain
            pool.remove(best)
        return [c for _, c in sorted(chosen, key=lambda x: x[0])]


_SIGNATURES = {}


def _state(obj):
    try:
        return repr(sorted(vars(obj).items()))
    except Exception:
        return None


def _type_confusion(exc):
    """A TypeError or AttributeError that no `raise` statement raised: the interpreter's complaint
    about a wrong-typed input (len(None), None.split), which a test asserting it would only pin."""
    if not isinstance(exc, (TypeError, AttributeError)):
        return False
    tb = exc.__traceback__
    if tb is None:
        return True
    while tb.tb_next is not None:
        tb = tb.tb_next
    line = linecache.getline(tb.tb_frame.f_code.co_filename, tb.tb_lineno).strip()
    return not line.startswith("raise")


def _arg_state(value):
    """A comparable snapshot of a mutable argument (None when it has none)."""
    if isinstance(value, (list, dict, set, bytearray)):
        try:
            return repr(value)
        except Exception:
            return None
    return _state(value)


def _strings_in(r):
    if isinstance(r, Lit):
        if isinstance(r.value, str) and r.value:
            yield r.value
    elif isinstance(r, Call):
        for a in list(r.args) + list(r.kwargs.values()):
            yield from _strings_in(a)
    elif isinstance(r, Coll):
        for i in r.items:
            yield from (_strings_in(i[0]) if isinstance(i, tuple) else _strings_in(i))
            if isinstance(i, tuple):
                yield from _strings_in(i[1])
    elif isinstance(r, Obj):
        yield from _strings_in(r.base)
        for _, args in r.steps:
            for a in args:
                yield from _strings_in(a)


SANDBOX = None  # the aqe_sandbox module, once its hooks are installed


def _scratch_root():
    """The explorer's own scratch root, made past the sandbox's hooks and allowed from then on."""
    if SANDBOX is None:
        return tempfile.mkdtemp(prefix="aqe-explore-", dir=_fast_tmp())
    with SANDBOX.trusted():
        root = tempfile.mkdtemp(prefix="aqe-explore-", dir=_fast_tmp())
    SANDBOX.allow(root)
    return root


def _fast_tmp():
    """Runs create and remove a directory each; on a loaded disk that costs ms, on tmpfs µs."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else None


def _signature(obj):
    key = id(obj)
    if key not in _SIGNATURES:
        try:
            sig = inspect.signature(obj)
        except (TypeError, ValueError):
            sig = None
        _SIGNATURES[key] = (obj, sig)  # the object is kept so its id stays unique
    return _SIGNATURES[key][1]


_SEQ_ORIGINS = set()
_MAP_ORIGINS = {dict}
try:
    import collections.abc as _abc
    _SEQ_ORIGINS |= {_abc.Sequence, _abc.Iterable, _abc.Collection, _abc.MutableSequence, _abc.Set, _abc.Iterator}
    _MAP_ORIGINS |= {_abc.Mapping, _abc.MutableMapping}
except Exception:
    pass


def _is_callable_hint(ann):
    origin = typing.get_origin(ann) or ann
    return origin is collections.abc.Callable or origin is typing.Callable


def _is_union(ann):
    origin = typing.get_origin(ann)
    if origin is typing.Union:
        return True
    try:
        import types
        return isinstance(ann, types.UnionType)
    except AttributeError:
        return False


# ---------------------------------------------------------------- rendering tests


def exception_ref(exc, renderer):
    for cls in type(exc).__mro__:
        try:
            return renderer.ref(cls)
        except ValueError:
            continue
    return "Exception"


def name_hint(cand):
    if not cand.args:
        return ""
    a = cand.args[0]
    if isinstance(a, Lit):
        v = a.value
        if v is None:
            return "_with_none"
        if v == "" and isinstance(v, str):
            return "_with_empty_string"
        if isinstance(v, str) and v.strip() == "":
            return "_with_blank_string"
        if type(v) is int and v == 0:
            return "_with_zero"
        if type(v) in (int, float) and v < 0:
            return "_with_negative"
    if isinstance(a, Coll) and not a.items:
        return "_with_empty_" + a.kind
    return ""


def _operand(text):
    """A negative literal needs parentheses next to an operator (-1 ** x is -(1 ** x))."""
    return "(%s)" % text if text[:1] in "-+" else text


def op_source(name, receiver, args, r):
    template = OPERATORS[name][0]
    if name == "__round__" and args:
        template = "round({r}, {0})"
    for prefix, imp in _OPERATOR_MODULES.items():
        if prefix in template:
            r.imports.add(imp)
    text = template.replace("{args}", ", ".join(args))
    return text.format(*[_operand(a) for a in args], r=_operand(receiver))


def render_test(cand, out, second, tmp_root):
    t = cand.target
    r = Renderer()
    receiver = r.expr(cand.receiver) if cand.receiver is not None else None
    if isinstance(cand.receiver, (Call, Coll, TmpPath)):
        # The receiver is used more than once (call, then state checks): bind it once.
        name = r.var(t.owner.__name__)
        r.lines.append("%s = %s" % (name, receiver))
        receiver = name
    changed = {i: v for i, v in out.changed.items()
               if second.kind == "ok" and i in second.changed and _stable(v, second.changed[i])}
    args, arg_names = [], {}
    for i, a in enumerate(cand.args):
        text = r.expr(a)
        if i in changed and not isinstance(a, Obj):
            name = r.var(_arg_var(t.func, i))
            r.lines.append("%s = %s" % (name, text))
            arg_names[i], text = name, name
        elif i in changed:
            arg_names[i] = text  # an Obj recipe is already a variable
        args.append(text)
    args += ["%s=%s" % (k, r.expr(v)) for k, v in cand.kwargs.items()]
    statement = False
    if t.kind == "property":
        call = "%s.%s" % (receiver, t.name)
    elif t.kind == "op":
        call = op_source(t.name, receiver, args, r)
        statement = " = " in call or call.startswith("del ")
    elif t.kind == "method":
        call = "%s.%s(%s)" % (receiver, t.name, ", ".join(args))
    else:
        call = "%s(%s)" % (r.ref(t.func), ", ".join(args))
    if cand.awaited:
        r.imports.add("import asyncio")
        call = "asyncio.run(%s)" % call
    if cand.lazy == "prefix":
        r.imports.add("import itertools")
        call = "list(itertools.islice(%s, %d))" % (call, MAX_LAZY_ITEMS)
    elif cand.lazy:
        call = "list(%s)" % call
    body = list(r.lines)
    label = t.label
    if t.kind == "op":
        label = "%s_%s" % (t.owner.__name__, op_word(t.name))
    base = "test_" + snake(label.replace(".", "_"))
    if out.kind == "raise":
        r.imports.add("import pytest")
        exc = exception_ref(out.value, r)
        body += ["with pytest.raises(%s):" % exc, "    " + call]
        name = base + "_raises_" + snake(exc.split(".")[-1])
    elif statement:
        body.append(call)
        body += state_asserts(receiver, out.receiver, second.receiver, r, tmp_root)
        name = base + "_changes_state"
    else:
        body.append("result = " + call)
        stable = second.kind == "ok" and _stable(out.value, second.value) and t.name not in _VOLATILE
        asserts, what = value_asserts("result", out.value, r, tmp_root, stable)
        body += asserts
        name = base + "_" + what
        if out.value is None and receiver is not None and t.kind == "method":
            body += state_asserts(receiver, out.receiver, second.receiver, r, tmp_root)
    for i in sorted(arg_names):
        lit = faithful_literal(changed[i], r, tmp_root)
        if lit is not None:
            body.append("assert %s == %s" % (arg_names[i], lit))
        else:
            body += attribute_asserts(arg_names[i], changed[i], r, tmp_root)
    name += name_hint(cand)
    sig = "def %s(%s):" % ("{name}", "tmp_path" if r.needs_tmp else "")
    code = sig + "\n" + "\n".join("    " + line for line in body) + "\n"
    return name, code, sorted(r.imports)


_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
# Texts of this machine and run that a test sees differently (its own tmp_path and HOME): a value
# showing one is not asserted by its text, nor by its length.
MACHINE_TEXTS = []


def _arg_var(func, i):
    try:
        params = [p for p in inspect.signature(func).parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if params and params[0].name in ("self", "cls"):
            params = params[1:]
        name = params[i].name if i < len(params) else "arg"
    except (TypeError, ValueError):
        name = "arg"
    return name if name not in ("self", "cls") else "arg"


def _small(value, budget=None):
    """False for a value too big to assert by its text (and slow to print): more than 2,000
    items in all, a long string, a huge int."""
    budget = budget if budget is not None else [2000]
    budget[0] -= 1
    if budget[0] < 0:
        return False
    if isinstance(value, (str, bytes, bytearray)):
        return len(value) <= 20000
    if type(value) is int:
        return value.bit_length() <= 4000
    if isinstance(value, dict):
        return all(_small(k, budget) and _small(v, budget) for k, v in value.items()) if len(value) <= budget[0] else False
    if isinstance(value, (list, tuple, set, frozenset)):
        return all(_small(v, budget) for v in value) if len(value) <= budget[0] else False
    return True


def _stable(a, b):
    """The same value in both runs, and none that shows a memory address (a default repr)."""
    try:
        if not _small(a) or not _small(b):
            return False
        text = repr(a)
        return (type(a) is type(b) and text == repr(b) and (a == b or a is b) and not _ADDRESS.search(text)
                and not any(m in text for m in MACHINE_TEXTS))
    except Exception:
        return False


def value_asserts(var, value, r, tmp_root, stable):
    if value is None:
        return ["assert %s is None" % var], "returns_none"
    if isinstance(value, bool) and stable:
        return ["assert %s is %s" % (var, value)], "returns_%s" % str(value).lower()
    lit = faithful_literal(value, r, tmp_root) if stable else None
    if lit is not None:
        return ["assert %s == %s" % (var, lit)], "returns_" + snake(type(value).__name__)
    lines = []
    try:
        cls_ref = r.ref(type(value))
        lines.append("assert isinstance(%s, %s)" % (var, cls_ref))
    except ValueError:
        pass
    if stable:
        lines += attribute_asserts(var, value, r, tmp_root)
        if isinstance(value, (list, tuple, dict, set, frozenset, str, bytes)):
            lines.append("assert len(%s) == %d" % (var, len(value)))
    return lines, "returns_" + snake(type(value).__name__)


def public_attrs(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = [f.name for f in dataclasses.fields(value)]
    else:
        try:
            names = sorted(vars(value))
        except TypeError:
            names = []
    return [n for n in names if not n.startswith("_")]


def attribute_asserts(var, value, r, tmp_root, limit=6):
    lines = []
    for n in public_attrs(value)[:limit]:
        try:
            v = getattr(value, n)
        except Exception:
            continue
        lit = faithful_literal(v, r, tmp_root)
        if lit is not None:
            lines.append("assert %s.%s == %s" % (var, n, lit) if v is not None else "assert %s.%s is None" % (var, n))
    return lines


def state_asserts(var, first, second, r, tmp_root):
    lines = []
    for line in attribute_asserts(var, first, r, tmp_root):
        n = line.split(".", 1)[1].split(" ", 1)[0]
        if _stable(getattr(first, n, None), getattr(second, n, None)):
            lines.append(line)
    return lines


# ---------------------------------------------------------------- main


def set_limits(req):
    def lower(kind, value):
        try:
            soft, hard = resource.getrlimit(kind)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(kind, (value, hard))
        except (ValueError, OSError):
            pass
    lower(resource.RLIMIT_AS, int(req.get("memory_mb", 2048)) * 1024 * 1024)
    lower(resource.RLIMIT_CPU, int(req.get("cpu_s", 60)))
    lower(resource.RLIMIT_FSIZE, 64 * 1024 * 1024)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.signal(signal.SIGPROF, _on_alarm)


def generate(req):
    started = time.monotonic()
    budget = float(req.get("budget_s", 10))
    sys.path[:0] = req.get("sys_path", [])
    filename = os.path.realpath(req["file"])
    try:
        signal.setitimer(signal.ITIMER_REAL, max(CALL_TIMEOUT_S, budget / 2))
        mod = __import__(req["module"], fromlist=["_"])
        signal.setitimer(signal.ITIMER_REAL, 0)
    except SyntaxError as exc:  # the module or one it imports: say which file and line
        signal.setitimer(signal.ITIMER_REAL, 0)
        where = exc.filename or "?"
        if where and os.path.realpath(where) == filename:
            where = req.get("display_file") or where
        return {"ok": False, "reason": "syntax error at %s:%s: %s" % (where, exc.lineno, exc.msg)}
    except BaseException as exc:  # a module may raise anything (or exit) on import
        signal.setitimer(signal.ITIMER_REAL, 0)
        return {"ok": False, "reason": "import of %s failed: %s: %s" % (req["module"], type(exc).__name__, exc)}
    if os.path.realpath(getattr(mod, "__file__", "") or "") != filename:
        return {"ok": False, "reason": "module %s resolves to %s, not this file" % (req["module"], getattr(mod, "__file__", None))}
    targets = module_targets(mod)
    Renderer.reserved |= set(vars(mod))
    roots = req.get("sys_path", [])
    seeds = harvest_seeds(project_sources(mod, roots))
    target = None
    percent = float(req.get("coverage_target", 100))
    if percent < 100:
        try:
            target = CoverageTarget(pathlib.Path(filename).read_text(encoding="utf-8"), filename, percent)
        except (OSError, UnicodeDecodeError):
            target = None
    explorer = Explorer(mod, filename, seeds, roots, started + budget * 0.8, target)
    home = os.path.expanduser("~")
    MACHINE_TEXTS[:] = [explorer.tmp_root] + ([home] if len(home) > 1 else [])
    aux = []
    for cls in _referenced_classes(targets, explorer):
        aux.extend(t for t in class_targets(cls, False) if t.kind in ("init", "method", "classmethod"))
    finished = explorer.explore(targets, aux, explorer.doctest_candidates(targets),
                                max_calls=int(CALLS_PER_S * budget))
    tests = []
    names = {}
    tested_labels = set()
    chosen = explorer.select()
    # Each chosen call runs again in another directory (another cwd and tmp paths), as a test
    # will: a value that depends on where it ran (a path's hash, a size) differs and is not asserted.
    first_root = explorer.tmp_root
    explorer.tmp_root = _scratch_root()
    MACHINE_TEXTS.append(explorer.tmp_root)
    os.chdir(explorer.tmp_root)
    for cand, out, _units in chosen:
        second = explorer.run(cand)
        if second is None or second.kind != out.kind:
            continue
        if out.kind == "raise" and type(second.value) is not type(out.value):
            continue
        try:  # rendering compares and prints the values: bounded like a call
            signal.setitimer(signal.ITIMER_REAL, CALL_TIMEOUT_S)
            name, code, imports = render_test(cand, out, second, first_root)
        except (Exception, CallTimeout):
            continue
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        n = names.get(name, 0) + 1
        names[name] = n
        final = name if n == 1 else "%s_%d" % (name, n)
        tests.append({"name": final, "code": code.replace("{name}", final, 1), "imports": imports})
        tested_labels.add(cand.target.label)
    os.chdir("/")
    shutil.rmtree(explorer.tmp_root, ignore_errors=True)
    shutil.rmtree(first_root, ignore_errors=True)
    untested = [{"target": t.label, "line": _known_line(t.line), "reason": _untested_reason(t)}
                for t in sorted(targets, key=lambda t: (t.line, t.label))
                if t.emit and not t.timeouts and t.label not in tested_labels]
    untested += [{"target": label, "line": line, "reason": "async generator function: not run"}
                 for label, line in _async_generators(mod)]
    given_up = [{"target": t.label, "line": _known_line(t.line), "calls": t.calls, "cut_off": t.cut_off}
                for t in sorted(targets, key=lambda t: (t.line, t.label)) if t.timeouts]
    return {"ok": True, "tests": tests, "finished": finished, "stopped_at_target": explorer.stopped_at_target,
            "calls": explorer.run_count, "given_up": given_up, "untested": untested,
            "targets": len(targets), "elapsed_s": round(time.monotonic() - started, 3)}


def _known_line(line):
    """_line_of gives 10**9 for an object without a source line: null in the reply."""
    return line if line < 10 ** 9 else None


def _untested_reason(t):
    if t.calls == 0:
        return "never called: no arguments for it could be built"
    if t.ran == 0:
        return "no call ran: building its arguments or receiver failed"
    if t.noise == t.ran:
        return "every call raised a TypeError or AttributeError of a wrong-typed input"
    return "its calls covered nothing the kept tests do not"


def _async_generators(mod):
    out = []
    for name, obj in sorted(vars(mod).items()):
        if name.startswith("_") or getattr(obj, "__module__", None) != mod.__name__:
            continue
        if inspect.isasyncgenfunction(obj):
            out.append((name, _line_of(obj)))
        elif inspect.isclass(obj):
            out += [("%s.%s" % (name, n), _line_of(a)) for n, a in sorted(vars(obj).items())
                    if not n.startswith("_") and inspect.isasyncgenfunction(a)]
    return [(n, _known_line(line)) for n, line in out]


def _referenced_classes(targets, explorer):
    """Project classes the targets take as arguments, defined elsewhere: explored for values only."""
    seen, out, queue = set(t.owner for t in targets if t.owner is not None), [], [t.func for t in targets]
    while queue:
        f = queue.pop(0)
        hints = explorer.hints(f) if f is not None else {}
        for ann in hints.values():
            for cls in _classes_in(ann):
                if cls in seen or not explorer.project_class(cls) or issubclass(cls, enum.Enum):
                    continue
                seen.add(cls)
                out.append(cls)
                queue.append(cls)
                queue.extend(getattr(cls, n) for n, a in vars(cls).items() if inspect.isfunction(a) and not n.startswith("_"))
    return sorted(out, key=lambda c: (c.__module__, c.__qualname__))


def _classes_in(ann):
    if inspect.isclass(ann) and typing.get_origin(ann) is None:
        yield ann
    for a in typing.get_args(ann):
        yield from _classes_in(a)


def main():
    global SANDBOX
    req = json.loads(sys.stdin.read())
    reply_fd = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # code under test must not corrupt the reply
    sys.stdout = open(os.devnull, "w")
    os.dup2(devnull, 0)
    sys.stdin = NoStdin()
    set_limits(req)
    if os.environ.get("AQE_SANDBOX_ROOT"):
        import aqe_sandbox  # installs its hooks: before the module under test is imported
        SANDBOX = aqe_sandbox
    try:
        reply = generate(req)
    except MemoryError:
        reply = {"ok": False, "reason": "exploration ran out of memory"}
    data = json.dumps(reply, sort_keys=True).encode("utf-8")
    while data:
        n = os.write(reply_fd, data)
        data = data[n:]
    os.close(reply_fd)
    sys.stdout.flush()
    os._exit(0)  # skip atexit handlers and threads the code under test left behind


if __name__ == "__main__":
    main()
