"""What `aqe init` leaves a new user with: the gate defaults docs/configuration.md lists, a
`--fail-on-error` that blocks on every branch and pull request, and "Next:" advice that, followed
as written, ends in a gate that can pass (issue 18)."""
import json
import re
import shlex

import pytest

from conftest import REPO, SYSTEM_PYTHON

NO_CI = {k: "" for k in ("GITHUB_EVENT_NAME", "GITHUB_REF", "GITHUB_HEAD_REF", "GITHUB_BASE_REF", "GITHUB_SHA",
                         "GITHUB_REF_NAME", "CI_COMMIT_BRANCH", "CI_MERGE_REQUEST_IID", "CI_COMMIT_SHA",
                         "CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "CI_PIPELINE_SOURCE", "BRANCH_NAME", "CHANGE_ID",
                         "CHANGE_TARGET", "CHANGE_BRANCH", "GIT_COMMIT")}
ENV = {**NO_CI, "QE_PYTHON": SYSTEM_PYTHON}


def write_project(project, tested):
    """src/calc/ with two functions; the tests call both (`tested`) or one of them."""
    (project / "src" / "calc").mkdir(parents=True)
    (project / "src" / "calc" / "__init__.py").write_text(
        "def add(a, b):\n    return a + b\n\n\ndef scale(x, k):\n    if k < 0:\n        raise ValueError(k)\n"
        "    return x * k\n")
    (project / "tests").mkdir()
    body = "from calc import add, scale\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"
    if tested:
        body += ("\n\ndef test_scale():\n    assert scale(2, 3) == 6\n    try:\n        scale(1, -1)\n"
                 "    except ValueError:\n        pass\n")
    (project / "tests" / "test_calc.py").write_text(body)
    (project / "pytest.ini").write_text("[pytest]\ntestpaths = tests\npythonpath = src\n")


def next_commands(init_text):
    line = next(l for l in init_text.splitlines() if l.startswith("Next:"))
    return [shlex.split(c) for c in re.findall(r"`([^`]+)`", line)]


def key_defaults():
    """gates.* key -> its default as docs/configuration.md lists it."""
    out = {}
    for row in (REPO / "docs" / "configuration.md").read_text().splitlines():
        m = re.match(r"\| `gates\.([a-z_]+)` \| [^|]* \| `([^`]*)` \|", row)
        if m:
            out[m.group(1)] = json.loads(m.group(2))
    return out


def test_init_writes_the_documented_gate_defaults(aqe, project):
    assert aqe.run("init").returncode == 0
    gates = json.loads((project / "config" / "quality-gates.json").read_text())
    documented = key_defaults()
    assert {"threshold", "conditions", "profiles", "scopes"} <= documented.keys()
    for key, value in documented.items():
        assert gates.get(key, value) == value, key
    assert gates.get("profiles", {}) == {} and gates.get("conditions", []) == []


@pytest.mark.parametrize("ci", [
    {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_REF": "refs/pull/3/merge", "GITHUB_HEAD_REF": "feature/x",
     "GITHUB_BASE_REF": "main"},
    {"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/feature/login"},
    {"CI_COMMIT_BRANCH": "main"}], ids=["pull-request", "feature-branch", "main"])
def test_fail_on_error_blocks_a_failing_gate_after_init(aqe, project, ci):
    write_project(project, tested=False)
    assert aqe.run("init").returncode == 0
    code, doc, err = aqe.json("execute", "--coverage", env=ENV)
    assert code == 0, err
    code, doc, err = aqe.json("quality-gate", "--fail-on-error", env={**ENV, **ci})
    assert doc["data"]["passed"] is False, doc
    assert code == 2, doc
    assert doc["data"]["profile"] is None and doc["data"]["blocking"] is True


def test_a_users_own_non_blocking_profile_still_wins(aqe, project):
    write_project(project, tested=False)
    assert aqe.run("init").returncode == 0
    gates_file = project / "config" / "quality-gates.json"
    gates = json.loads(gates_file.read_text())
    gates["profiles"] = {"pr": {"events": ["pull_request"], "blocking": False}}
    gates_file.write_text(json.dumps(gates))
    assert aqe.json("execute", "--coverage", env=ENV)[0] == 0
    code, doc, _ = aqe.json("quality-gate", "--fail-on-error", env={**ENV, "GITHUB_EVENT_NAME": "pull_request"})
    assert code == 0 and doc["data"]["passed"] is False
    assert any("non-blocking" in w for w in doc["warnings"])


def test_following_inits_next_advice_ends_in_a_passing_gate(aqe, project):
    write_project(project, tested=True)
    p = aqe.run("init")
    assert p.returncode == 0
    commands = next_commands(p.stdout)
    assert commands and all(c[0] == "aqe" for c in commands), commands
    assert commands[-1][:2] == ["aqe", "quality-gate"] and "--fail-on-error" in commands[-1], commands
    for c in commands:
        code, doc, err = aqe.json(*c[1:], env=ENV)
        assert code == 0, (c, doc, err)
    assert doc["data"]["passed"] is True and doc["data"]["score"] >= doc["data"]["threshold"]
