"""aqe generate: what the kept tests take and assert (issue 17): callables, dates, *args, changed
arguments, awaited coroutines, no type-confusion noise, functions without a test named, and a call
budget that --time-budget sets."""
import json
import re
import subprocess
import textwrap
from pathlib import Path

from conftest import SYSTEM_PYTHON

PY = ["--python", SYSTEM_PYTHON]
EXPLORER = Path(__file__).resolve().parents[2] / "src/aqe/gen/resources/aqe_explorer.py"

MODULE = '''
import asyncio
import datetime


def apply_twice(func, x):
    return func(func(x))


def total(*values):
    if not values:
        return 0
    return sum(values)


def days_between(start, end):
    return (end - start).days


def quarter(when):
    return (when.month - 1) // 3 + 1


def insort(a, x):
    lo, hi = 0, len(a)
    while lo < hi:
        mid = (lo + hi) // 2
        if x < a[mid]:
            hi = mid
        else:
            lo = mid + 1
    a.insert(lo, x)


def first_upper(s):
    return s[:1].upper() + s[1:]


def checked_increment(n):
    if not isinstance(n, int):
        raise TypeError("an int is needed")
    return n + 1


async def double(x):
    await asyncio.sleep(0)
    return x * 2


async def countdown(n):
    while n > 0:
        yield n
        n -= 1
'''


def test_generated_tests_take_callables_dates_and_varargs_and_assert_what_changed(aqe, project):
    (project / "toolbox.py").write_text(textwrap.dedent(MODULE))
    code, doc, _ = aqe.json("generate", "toolbox.py", "--output", "gen", *PY, timeout=300)
    assert code == 0, doc
    d = doc["data"]
    text = (project / "gen" / "test_toolbox.py").read_text()
    tests = dict(re.findall(r"^def (test_\w+)\(.*?\):\n(.*?)(?=^def |\Z)", text, re.S | re.M))

    # A callable parameter gets a function (a builtin or a lambda), and the result is asserted.
    apply = [b for n, b in tests.items() if n.startswith("test_apply_twice") and "raises" not in n]
    assert apply and any(re.search(r"apply_twice\((lambda|len|str|bool|abs|sorted|max|min)\b", b) for b in apply), text
    assert any("assert result ==" in b for b in apply), apply
    # *values receives positional values.
    assert re.search(r"total\([^)]", text), text
    # Date parameters get datetime values; a date result is asserted by its literal.
    assert re.search(r"days_between\(datetime\.(date|datetime)\(", text), text
    assert re.search(r"quarter\(datetime\.(date|datetime)\(", text), text
    assert "from datetime import datetime" not in text
    # insort returns None and changes its argument: the argument's new value is asserted.
    ins = next(b for n, b in tests.items() if n.startswith("test_insort") and "raises" not in n)
    m = re.search(r"^\s+(\w+) = (\[.*\])$", ins, re.M)
    assert m, ins
    assert re.search(r"^\s+assert %s == \[" % m.group(1), ins, re.M), ins
    # A TypeError/AttributeError of a wrong-typed input is not a test; one the code raises is.
    assert not any(n.startswith("test_first_upper") and ("type_error" in n or "attribute_error" in n) for n in tests), text
    assert any(n.startswith("test_checked_increment_raises_type_error") for n in tests), text
    # A coroutine function is awaited; an async generator is named as untested, with the reason.
    assert re.search(r"result = asyncio\.run\(double\(", text), text
    assert "import asyncio" in text
    untested = {u["function"]: u for u in d["untested"]}
    assert untested["countdown"]["reason"] == "async generator function: not run", d["untested"]
    assert untested["countdown"]["file"] == "toolbox.py" and untested["countdown"]["line"] == 50
    assert "apply_twice" not in untested and "insort" not in untested

    # The kept tests pass under plain pytest from the project root.
    run = subprocess.run([SYSTEM_PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "gen"],
                         cwd=project, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:]

    # Text output names the function without a test.
    p = aqe.run("generate", "toolbox.py", "--output", "gen3", *PY, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "toolbox.py:50: no test for countdown: async generator function: not run" in p.stdout + p.stderr


def _explore(project, budget):
    req = {"file": str(project / "walk.py"), "module": "walk", "sys_path": [str(project)], "budget_s": budget}
    p = subprocess.run([SYSTEM_PYTHON, str(EXPLORER)], input=json.dumps(req), capture_output=True, text=True,
                       cwd=project, timeout=120)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_the_time_budget_sets_the_call_budget(project):
    """Calls, not seconds, bound exploration: 1,000 per second of --time-budget, so a run is the
    same on a fast and a slow machine, and a bigger budget explores further."""
    (project / "walk.py").write_text(textwrap.dedent('''
        def step(a, b):
            state = 0
            for ch in str(a) + str(b):
                state = (state * 31 + ord(ch)) % 1009
                if state % 7 == 3:
                    state += 1
            return state
    '''))
    small = _explore(project, 1)
    big = _explore(project, 6)
    assert small["ok"] and big["ok"], (small, big)
    assert small["finished"] and big["finished"]
    assert small["calls"] <= 1000 + 5, small["calls"]
    assert big["calls"] > small["calls"], (small["calls"], big["calls"])
    assert big["calls"] <= 6000 + 5
    again = _explore(project, 1)
    assert again["tests"] == small["tests"] and again["calls"] == small["calls"]
