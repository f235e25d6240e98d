"""aqe quality-gate on reports written by other tools (tests/data/gate, see its README)."""
import json
import shutil
import subprocess

import pytest

from conftest import REPO, assert_envelope

DATA = REPO / "tests" / "data" / "gate"


@pytest.fixture
def reports(project):
    """The fixture reports copied into the project, SARIF URIs rebased onto it."""
    for name in ("coverage.json", "coverage.xml", "coverage.lcov", "junit-fail.xml", "junit-pass.xml",
                 "ctest-junit.xml", "malformed-coverage.xml", "malformed-junit.xml", "malformed.sarif",
                 "malformed.lcov"):
        shutil.copy(DATA / name, project / name)
    sarif = (DATA / "clang-analyzer.sarif").read_text()
    (project / "clang.sarif").write_text(sarif.replace("file:///tmp/hgate-fix/proj/", project.as_uri() + "/"))
    return project


def write_gates(project, doc):
    (project / "config").mkdir(exist_ok=True)
    (project / "config" / "quality-gates.json").write_text(json.dumps(doc))


# Score with junit-pass + coverage.json: (0.4*60 + 0.2*37.5 + 0.3*100) / 0.9 = 68.33
PASS_INPUTS = ("--coverage", "coverage.json", "--junit", "junit-pass.xml")


def test_passing_gate_exits_0(aqe, reports):
    code, doc, _ = aqe.json("quality-gate", "--threshold", "60", "--fail-on-error", *PASS_INPUTS)
    assert code == 0
    assert_envelope(doc, "quality-gate", 0)
    d = doc["data"]
    assert d["passed"] is True
    assert d["score"] == pytest.approx(68.33, abs=0.01)
    assert d["threshold"] == 60
    assert d["metrics"]["line_coverage"] == 60
    assert d["metrics"]["branch_coverage"] == 37.5
    assert d["metrics"]["test_pass_rate"] == 100
    assert d["metrics"]["security_high"] is None
    assert d["metrics"]["diff_coverage"] is None
    assert d["conditions"][0] == {"metric": "score", "op": ">=", "threshold": 60, "actual": 68.33, "passed": True}
    assert d["profile"] is None and d["scopes"] == []


def test_failing_gate_with_fail_on_error_exits_2(aqe, reports):
    code, doc, _ = aqe.json("quality-gate", "--threshold", "80", "--fail-on-error", *PASS_INPUTS)
    assert code == 2
    assert_envelope(doc, "quality-gate", 2)
    assert doc["status"] == "failure"
    assert doc["data"]["passed"] is False
    assert doc["errors"] == []
    assert any("score >= 80 failed" in w for w in doc["warnings"])


def test_failing_gate_without_fail_on_error_exits_0_with_warning(aqe, reports):
    # The seed's progressive pattern: `aqe quality-gate --threshold 70 || true`
    p = aqe.run("quality-gate", "--threshold", "70", *PASS_INPUTS)
    assert p.returncode == 0
    assert "FAILED" in p.stdout
    assert "quality gate failed" in p.stderr
    code, doc, _ = aqe.json("quality-gate", "--threshold", "70", *PASS_INPUTS)
    assert code == 0 and doc["data"]["passed"] is False
    assert any("--fail-on-error" in w for w in doc["warnings"])


def test_nothing_to_judge_exits_3_and_names_the_command(aqe, project):
    code, doc, _ = aqe.json("quality-gate", "--threshold", "80", "--fail-on-error")
    assert code == 3
    assert_envelope(doc, "quality-gate", 3)
    assert doc["errors"][0]["code"] == "NO_DATA"
    assert "aqe execute" in doc["errors"][0]["hint"]


@pytest.mark.parametrize("fmt", ["coverage.json", "coverage.xml", "coverage.lcov"])
def test_each_coverage_format_gives_the_same_metrics(aqe, reports, fmt):
    code, doc, _ = aqe.json("quality-gate", "--threshold", "0", "--coverage", fmt)
    assert code == 0, doc
    assert doc["data"]["metrics"]["line_coverage"] == 60
    assert doc["data"]["metrics"]["branch_coverage"] == 37.5
    assert doc["data"]["inputs"] == [fmt]


def test_junit_shards_and_ctest(aqe, reports):
    code, doc, _ = aqe.json("quality-gate", "--threshold", "0", "--junit", "junit-fail.xml",
                            "--junit", "ctest-junit.xml")
    assert code == 0
    m = doc["data"]["metrics"]
    assert m["tests_failed"] == 2  # one from pytest, one from ctest
    assert m["test_pass_rate"] == pytest.approx(100 * 6 / 8, abs=0.01)


def test_sarif_findings_and_condition(aqe, reports):
    write_gates(reports, {"conditions": [{"metric": "security_medium", "op": "==", "value": 0}]})
    code, doc, _ = aqe.json("quality-gate", "--threshold", "0", "--fail-on-error", "--sarif", "clang.sarif",
                            *PASS_INPUTS)
    assert code == 2
    conds = {c["metric"]: c for c in doc["data"]["conditions"]}
    assert conds["security_medium"] == {"metric": "security_medium", "op": "==", "threshold": 0, "actual": 1,
                                        "passed": False,
                                        "message": "security_medium == 0 failed: security_medium is 1"}
    # 0.4*60 + 0.2*37.5 + 0.3*100 + 0.1*95 = 71
    assert doc["data"]["score"] == 71


def test_scope_filters_per_file(aqe, reports):
    # `aqe quality-gate --scope src/auth/ --threshold 95`: auth has 8/10 lines, 4/6 branches.
    code, doc, _ = aqe.json("quality-gate", "--scope", "src/auth/", "--threshold", "95", "--sarif", "clang.sarif",
                            *PASS_INPUTS)
    assert code == 0
    d = doc["data"]
    assert d["metrics"]["line_coverage"] == 80
    assert d["metrics"]["branch_coverage"] == pytest.approx(66.67, abs=0.01)
    assert d["metrics"]["security_medium"] == 1
    assert d["passed"] is False
    assert [s["path"] for s in d["scopes"]] == ["src/auth"]
    code, doc, _ = aqe.json("quality-gate", "--scope", "src/util", "--threshold", "0", "--sarif", "clang.sarif",
                            *PASS_INPUTS)
    assert doc["data"]["metrics"]["security_medium"] == 0
    assert doc["data"]["metrics"]["line_coverage"] == pytest.approx(46.67, abs=0.01)


def test_scope_matching_nothing_exits_3(aqe, reports):
    code, doc, _ = aqe.json("quality-gate", "--scope", "src/payments/", *PASS_INPUTS)
    assert code == 3
    assert doc["errors"][0]["code"] == "SCOPE_EMPTY"
    assert "src/payments" in doc["errors"][0]["message"]


@pytest.mark.parametrize("flag,name,pos", [
    ("--coverage", "malformed-coverage.xml", "malformed-coverage.xml:34:35:"),
    ("--coverage", "malformed.lcov", "malformed.lcov:4:1:"),
    ("--junit", "malformed-junit.xml", "malformed-junit.xml:1:"),
    ("--sarif", "malformed.sarif", "malformed.sarif:1:"),
])
def test_malformed_input_exits_3_with_position(aqe, reports, flag, name, pos):
    code, doc, _ = aqe.json("quality-gate", flag, name)
    assert code == 3
    assert doc["errors"][0]["message"].startswith(pos), doc["errors"][0]["message"]


def test_missing_input_file_exits_3(aqe, project):
    code, doc, _ = aqe.json("quality-gate", "--coverage", "nope.json")
    assert code == 3
    assert "nope.json" in doc["errors"][0]["message"]


PROFILES = {"threshold": 80, "profiles": {
    "main": {"branches": ["main"], "threshold": 65},
    "pr": {"events": ["pull_request"], "threshold": 99, "blocking": False},
    "feature": {"branches": ["feature/*"], "skip": True}}}


def test_profile_from_github_variables(aqe, reports):
    write_gates(reports, PROFILES)
    env = {"GITHUB_REF": "refs/heads/main", "GITHUB_EVENT_NAME": "push"}
    code, doc, _ = aqe.json("quality-gate", "--fail-on-error", *PASS_INPUTS, env=env)
    assert code == 0
    assert doc["data"]["profile"]["name"] == "main"
    assert doc["data"]["threshold"] == 65
    # A pull request: lenient in blocking, strict in threshold; fails but exits 0.
    env = {"GITHUB_REF": "refs/pull/3/merge", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_BASE_REF": "main",
           "GITHUB_HEAD_REF": "feature/x"}
    code, doc, _ = aqe.json("quality-gate", "--fail-on-error", *PASS_INPUTS, env=env)
    assert code == 0
    assert doc["data"]["profile"]["name"] == "pr" and doc["data"]["passed"] is False
    assert any("non-blocking" in w for w in doc["warnings"])


def test_skip_profile_exits_0_even_without_data(aqe, project):
    write_gates(project, PROFILES)
    code, doc, _ = aqe.json("quality-gate", "--fail-on-error", env={"CI_COMMIT_BRANCH": "feature/login"})
    assert code == 0
    assert doc["data"]["result"] == "skipped by profile"
    assert doc["data"]["skipped"] is True
    p = aqe.run("quality-gate", env={"BRANCH_NAME": "feature/x"})
    assert p.returncode == 0 and "skipped by profile" in p.stdout


def test_unknown_profile_exits_3(aqe, reports):
    write_gates(reports, PROFILES)
    code, doc, _ = aqe.json("quality-gate", "--profile", "mian", *PASS_INPUTS)
    assert code == 3
    assert "did you mean 'main'" in doc["errors"][0]["hint"]


def test_github_summary_output_and_annotations(aqe, reports, tmp_path):
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    summary.write_text("earlier step\n")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(output)}
    p = aqe.run("quality-gate", "--threshold", "80", "--fail-on-error", *PASS_INPUTS, env=env)
    assert p.returncode == 2
    assert "::error title=Quality gate::score >= 80 failed: score is 68.33" in p.stdout
    text = summary.read_text()
    assert text.startswith("earlier step\n")
    assert "### aqe quality gate: ❌ failed" in text
    assert "| score | >= | 80 | 68.33 | ❌ |" in text
    assert output.read_text() == "passed=false\ngate_passed=false\nscore=68.33\nthreshold=80\n"
    # Without --fail-on-error the annotation is a warning.
    p = aqe.run("quality-gate", "--threshold", "80", *PASS_INPUTS, env=env)
    assert p.returncode == 0
    assert "::warning title=Quality gate::" in p.stdout


def test_gate_result_is_stored(aqe, reports):
    import sqlite3
    aqe.json("quality-gate", "--threshold", "10", *PASS_INPUTS)
    db = sqlite3.connect(reports / ".aqe" / "aqe.db")
    rows = db.execute("SELECT command, summary_json FROM runs WHERE command = 'quality-gate'").fetchall()
    assert len(rows) == 1
    assert json.loads(rows[0][1])["passed"] is True


def test_unknown_metric_in_config_exits_3(aqe, reports):
    write_gates(reports, {"conditions": [{"metric": "line_coverag", "op": ">=", "value": 1}]})
    code, doc, _ = aqe.json("quality-gate", *PASS_INPUTS)
    assert code == 3
    assert "line_coverage" in doc["errors"][0]["hint"]


def test_gate_on_a_recorded_execute_run(aqe, project):
    """The seed's lines on what `aqe execute --coverage` recorded (no input files)."""
    shutil.copytree(DATA / "pyproj", project, dirs_exist_ok=True)
    p = aqe.run("execute", "tests/", "--coverage", "--python", "/usr/bin/python3", timeout=300)
    if "unknown command" in p.stderr:
        pytest.skip("aqe execute is not registered in this build")
    assert p.returncode == 0, p.stderr
    code, doc, _ = aqe.json("quality-gate", "--threshold", "50", "--fail-on-error")
    assert code == 0, doc
    d = doc["data"]
    assert d["passed"] is True
    assert d["metrics"]["test_pass_rate"] == 100
    assert d["metrics"]["line_coverage"] is not None
    assert any("execute run" in i for i in d["inputs"])
    code, doc, _ = aqe.json("quality-gate", "--threshold", "99", "--fail-on-error")
    assert code == 2 and doc["data"]["passed"] is False
    code, doc, _ = aqe.json("quality-gate", "--scope", "src/auth/", "--threshold", "95")
    assert code == 0 and doc["data"]["scopes"][0]["path"] == "src/auth"
    p = aqe.run("quality-gate", "--threshold", "70")
    assert p.returncode == 0


# ---- diff_coverage and coverage_delta on a git repository built here ----

def git(cwd, *args):
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "HOME": str(cwd), "GIT_CONFIG_NOSYSTEM": "1",
           "PATH": "/usr/bin:/bin"}
    p = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return p.stdout


# The branch, base and commit come from git here, not from the CI running this suite.
NO_CI = {k: "" for k in ("GITHUB_EVENT_NAME", "GITHUB_REF", "GITHUB_HEAD_REF", "GITHUB_BASE_REF", "GITHUB_SHA",
                         "GITHUB_REF_NAME", "CI_COMMIT_BRANCH", "CI_MERGE_REQUEST_IID", "CI_COMMIT_SHA",
                         "CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "BRANCH_NAME", "CHANGE_ID", "CHANGE_TARGET",
                         "GIT_COMMIT")}


CALC_BASE = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"
# Changed against CALC_BASE: +6 (a comment), +8..11 (blank, blank, def, return).
CALC_NEW = ("def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    # subtract\n    return a - b\n"
            "\n\ndef mul(a, b):\n    return a * b\n")
UTIL = "".join(f"def f{i}(x):\n    return {i} * x\n\n\n" for i in range(1, 4))
# util.py renamed to helpers.py with line 10 edited: changed lines {10}.
HELPERS = UTIL.replace("    return 3 * x", "    return x * 3")
EXTRA = "import math\n\n\ndef root(x):\n    if x < 0:\n        raise ValueError('negative')\n    return math.sqrt(x)\n"

# Hand-written Cobertura report of the feature branch: statements and hits per line, as
# `coverage xml` writes them (def lines run on import; comments and blank lines are absent).
COVERAGE_LINES = {
    "src/calc.py": {1: 1, 2: 1, 5: 1, 7: 0, 10: 1, 11: 0},
    "src/helpers.py": {1: 1, 2: 1, 5: 1, 6: 0, 9: 1, 10: 1},
    "src/extra.py": {1: 1, 4: 1, 5: 1, 6: 0, 7: 1},
}
# Changed executable lines of measured files (README.md and the deleted old.py are not measured):
#   calc.py: 10 (hit), 11 (miss); 6, 8, 9 are a comment and blanks, not statements
#   helpers.py: 10 (hit)       extra.py (new): 1, 4, 5, 7 hit, 6 missed
# = 8 lines, 6 covered: 75 %. diff-cover prints "Total: 8 lines, Missing: 2 lines, Coverage: 75%".
EXPECTED_DIFF = {"lines": 8, "lines_covered": 6, "percent": 75.0,
                 "uncovered": [{"file": "src/calc.py", "line": 11}, {"file": "src/extra.py", "line": 6}]}


def cobertura(project):
    classes = []
    for name, lines in COVERAGE_LINES.items():
        rows = "".join(f'<line number="{n}" hits="{h}"/>' for n, h in lines.items())
        classes.append(f'<class name="{name}" filename="{name}" line-rate="0"><methods/><lines>{rows}</lines></class>')
    return ('<?xml version="1.0" ?><coverage version="6.5.0" line-rate="0" branch-rate="0">'
            f'<sources><source>{project}</source></sources><packages><package name="src"><classes>'
            + "".join(classes) + "</classes></package></packages></coverage>")


@pytest.fixture
def repo(tmp_path, project):
    """A repository at tmp_path whose subdirectory proj/ is the project: main, then a feature branch."""
    git(tmp_path, "init", "-q", "-b", "main")
    src = project / "src"
    src.mkdir()
    (src / "calc.py").write_text(CALC_BASE)
    (src / "util.py").write_text(UTIL)
    (src / "old.py").write_text("gone = True\n")
    (project / "README.md").write_text("demo\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "base")
    git(tmp_path, "checkout", "-q", "-b", "feature")
    (src / "calc.py").write_text(CALC_NEW)
    (src / "util.py").unlink()
    (src / "helpers.py").write_text(HELPERS)
    (src / "extra.py").write_text(EXTRA)
    (src / "old.py").unlink()
    (project / "README.md").write_text("demo\nmore\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "feature")
    (project / "coverage.xml").write_text(cobertura(project))
    return tmp_path


def test_diff_coverage_matches_the_hand_computed_figure(aqe, project, repo):
    status = git(repo, "diff", "--name-status", "--find-renames", "main...HEAD")
    assert "R" in status and "proj/src/helpers.py" in status  # the rename is seen as one
    code, doc, _ = aqe.json("quality-gate", "--threshold", "0", "--coverage", "coverage.xml", env=NO_CI)
    assert code == 0, doc
    d = doc["data"]
    assert d["metrics"]["diff_coverage"] == EXPECTED_DIFF["percent"]
    diff = d["diff"]
    assert diff["base"] == "main" and diff["base_reason"] == "main exists"
    assert diff["merge_base"] == git(repo, "rev-parse", "main").strip()
    assert diff["lines"] == EXPECTED_DIFF["lines"]
    assert diff["lines_covered"] == EXPECTED_DIFF["lines_covered"]
    assert diff["uncovered_changed_lines"] == EXPECTED_DIFF["uncovered"]
    assert diff["files_changed"] == 4 and diff["files_measured"] == 3  # + README.md; old.py deleted
    # A condition on it, and the scope filter.
    write_gates(project, {"conditions": [{"metric": "diff_coverage", "op": ">=", "value": 80}]})
    code, doc, _ = aqe.json("quality-gate", "--threshold", "0", "--coverage", "coverage.xml",
                            "--fail-on-error", env=NO_CI)
    assert code == 2
    assert doc["data"]["conditions"][1]["actual"] == 75
    code, doc, _ = aqe.json("quality-gate", "--threshold", "0", "--coverage", "coverage.xml",
                            "--scope", "src/helpers.py", "--fail-on-error", env=NO_CI)
    assert code == 0 and doc["data"]["metrics"]["diff_coverage"] == 100


def test_diff_coverage_base_from_ci_and_flag(aqe, project, repo):
    git(repo, "branch", "release", "main")
    env = {**NO_CI, "GITHUB_EVENT_NAME": "pull_request", "GITHUB_REF": "refs/pull/7/merge",
           "GITHUB_HEAD_REF": "feature", "GITHUB_BASE_REF": "release"}
    code, doc, _ = aqe.json("quality-gate", "--threshold", "0", "--coverage", "coverage.xml", env=env)
    assert code == 0
    assert doc["data"]["diff"]["base"] == "release"
    assert doc["data"]["diff"]["base_reason"] == "the CI's target branch"
    # --base HEAD: nothing changed, so nothing missed (diff-cover's convention).
    code, doc, _ = aqe.json("quality-gate", "--threshold", "0", "--coverage", "coverage.xml", "--base", "HEAD", env=NO_CI)
    assert code == 0
    assert doc["data"]["diff"]["lines"] == 0 and doc["data"]["metrics"]["diff_coverage"] == 100
    code, doc, _ = aqe.json("quality-gate", "--coverage", "coverage.xml", "--base", "no-such-branch", env=NO_CI)
    assert code == 3
    assert "no-such-branch" in doc["errors"][0]["message"]


def test_diff_coverage_without_a_base_is_null_with_a_warning(aqe, project, repo):
    git(repo, "branch", "-m", "main", "trunk")
    code, doc, _ = aqe.json("quality-gate", "--threshold", "0", "--coverage", "coverage.xml", env=NO_CI)
    assert code == 0
    assert doc["data"]["metrics"]["diff_coverage"] is None
    assert any("diff_coverage not measured: no base" in w for w in doc["warnings"]), doc["warnings"]


def test_uncovered_changed_lines_become_github_annotations(aqe, project, repo):
    env = {**NO_CI, "GITHUB_ACTIONS": "true"}
    p = aqe.run("quality-gate", "--threshold", "0", "--coverage", "coverage.xml", env=env)
    assert p.returncode == 0, p.stderr
    # Paths relative to the repository root, as GitHub resolves them.
    assert "::warning file=proj/src/calc.py,line=11,title=Uncovered changed line::" in p.stdout
    assert "::warning file=proj/src/extra.py,line=6," in p.stdout
    assert "Diff coverage: 6/8 changed executable lines covered" in aqe.run(
        "quality-gate", "--threshold", "0", "--coverage", "coverage.xml", env=NO_CI).stdout


def test_coverage_delta_against_the_base_branch_run(aqe, project):
    """execute on main, then on a feature branch with fewer tests: the gate reports the drop."""
    shutil.copytree(DATA / "pyproj", project, dirs_exist_ok=True)
    git(project, "init", "-q", "-b", "main")
    (project / ".gitignore").write_text(".aqe/\n__pycache__/\n.coverage*\n")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "base")
    code, base_run, err = aqe.json("execute", "tests/", "--coverage", "--python", "/usr/bin/python3", timeout=300, env=NO_CI)
    if "unknown command" in err:
        pytest.skip("aqe execute is not registered in this build")
    assert code == 0, err
    git(project, "checkout", "-q", "-b", "feature/fewer-tests")
    tests = project / "tests" / "test_all.py"
    tests.write_text(tests.read_text().replace("def test_clamp_low", "def _not_a_test_clamp_low"))
    git(project, "commit", "-q", "-am", "fewer tests")
    code, feature_run, err = aqe.json("execute", "tests/", "--coverage", "--python", "/usr/bin/python3",
                                      timeout=300, env=NO_CI)
    assert code == 0, err

    import sqlite3
    db = sqlite3.connect(project / ".aqe" / "aqe.db")
    rows = db.execute("SELECT branch, commit_sha FROM runs WHERE command = 'execute' ORDER BY id").fetchall()
    assert [r[0] for r in rows] == ["main", "feature/fewer-tests"]
    assert all(len(r[1]) == 40 for r in rows)
    snaps = db.execute("SELECT branch FROM coverage_snapshots ORDER BY id").fetchall()
    assert [s[0] for s in snaps] == ["main", "feature/fewer-tests"]

    def rate(run):
        c = run["data"]["coverage"]
        return 100.0 * c["lines_covered"] / c["lines_total"]

    code, doc, _ = aqe.json("quality-gate", "--threshold", "0", env=NO_CI)
    assert code == 0, doc
    d = doc["data"]
    expected = rate(feature_run) - rate(base_run)
    assert expected < 0
    assert d["metrics"]["coverage_delta"] == pytest.approx(round(expected, 2), abs=0.005)
    assert any("on main" in i for i in d["inputs"])
    # Only the test file changed, and tests are not measured: no changed executable line.
    assert d["diff"]["base"] == "main" and d["diff"]["files_changed"] == 1 and d["diff"]["lines"] == 0
    write_gates(project, {"conditions": [{"metric": "coverage_delta", "op": ">=", "value": 0}]})
    code, doc, _ = aqe.json("quality-gate", "--threshold", "0", "--fail-on-error", env=NO_CI)
    assert code == 2
    assert "coverage_delta >= 0 failed" in doc["data"]["conditions"][1]["message"]
