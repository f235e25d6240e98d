"""aqe report generate (json, markdown, html) and report badge on a recorded demo history: the
document equals what execute measured, a partial run is never taken as the latest, the base
branch comparison names the commit it compared with or says unknown, project text is escaped,
and bad flags exit 3.

One git repository for the module (execute is the slow part): commit "old" (branch old),
commit "base" on main (with a failing test_toggle) measured by execute run 1 and a clean scan,
commit "head" on feature (fixes test_toggle, adds a failing test whose id holds `|` and
`<script>`, a test that fails once and passes on its retry, and a secret) measured by execute
run 2 with --retries 1, a scan and the gate, then execute run 3 cut short by --timeout.
"""
import json
import shutil
import sqlite3
import subprocess

import pytest

from conftest import REPO, SYSTEM_PYTHON, Aqe, _aqe_bin, assert_envelope

PY = ["--python", SYSTEM_PYTHON]
WEIRD = "a|b<script>alert(1)"
TOGGLE = "tests/test_toggle.py::test_toggle"
FLAKY = "tests/test_flaky.py::test_fails_once"


def git(cwd, *args):
    return subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args], cwd=cwd,
                          check=True, capture_output=True, text=True).stdout.strip()


def shown(v):
    """A rate as aqe shows it: at most two decimals, no trailing zeros."""
    return ("%.2f" % v).rstrip("0").rstrip(".")


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    root = tmp_path_factory.mktemp("report") / "demo"
    shutil.copytree(REPO / "examples" / "demo", root,
                    ignore=shutil.ignore_patterns(".aqe", ".venv", "__pycache__", ".coverage*", "generated",
                                                  ".pytest_cache"))
    (root / ".gitignore").write_text(".aqe/\n__pycache__/\n.coverage*\n.pytest_cache/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "old")
    git(root, "branch", "old")
    with open(root / "README.md", "a") as f:
        f.write("\nmeasured\n")
    (root / "tests" / "test_toggle.py").write_text("def test_toggle():\n    assert 'base' == 'fixed'\n")
    git(root, "add", "tests/test_toggle.py")
    git(root, "commit", "-q", "-am", "base")
    aqe = Aqe(_aqe_bin(), root)
    code, run1, err = aqe.json("execute", "tests", *PY, "--coverage", timeout=300)
    assert code == 1 and [f["test"] for f in run1["data"]["failures"]] == [TOGGLE], err
    code, scan1, err = aqe.json("security-scan", ".")
    assert code == 0 and scan1["data"]["findings"] == [], err

    git(root, "checkout", "-q", "-b", "feature")
    (root / "tests" / "test_weird.py").write_text(
        "import pytest\n\n\n"
        f"@pytest.mark.parametrize('x', [{WEIRD!r}])\n"
        "def test_weird(x):\n"
        "    assert x == 'expected | value'\n")
    (root / "tests" / "test_toggle.py").write_text("def test_toggle():\n    assert 'fixed' == 'fixed'\n")
    # Fails on its first attempt, passes on the retry (its marker is outside the checkout).
    (root / "tests" / "test_flaky.py").write_text(
        "import pathlib\n\n\n"
        "def test_fails_once():\n"
        "    marker = pathlib.Path(__file__).resolve().parents[2] / 'flaky-marker'\n"
        "    if not marker.exists():\n"
        "        marker.write_text('failed once')\n"
        "        assert False, 'first attempt'\n")
    (root / "deploy").mkdir()
    (root / "deploy" / "settings.py").write_text('AWS_ACCESS_KEY_ID = "AKIAQ3EGRDXYZ7ABCD12"\n')
    git(root, "add", "tests/test_weird.py", "tests/test_flaky.py", "deploy/settings.py")
    git(root, "commit", "-q", "-am", "head")
    code, run2, err = aqe.json("execute", "tests", *PY, "--coverage", "--retries", "1", timeout=300)
    assert code == 1, err
    assert run2["data"]["flaky_tests"] == [FLAKY], run2["data"]
    code, scan2, err = aqe.json("security-scan", ".")
    assert code == 0 and scan2["data"]["findings"], err
    code, gate, err = aqe.json("quality-gate")
    assert code == 0, err

    slow = root / "tests" / "test_zz_slow.py"
    slow.write_text("import time\n\n\ndef test_slow():\n    time.sleep(30)\n")
    code, _, err = aqe.json("execute", "tests", *PY, "--coverage", "--timeout", "3", timeout=300)
    assert code == 5, err
    slow.unlink()
    db = sqlite3.connect(root / ".aqe" / "aqe.db")
    ids = [r[0] for r in db.execute("SELECT id FROM runs WHERE command = 'execute' ORDER BY id")]
    db.close()
    assert len(ids) == 3
    return {"ids": ids, "root": root, "aqe": aqe, "run1": run1["data"], "run2": run2["data"], "scan": scan2["data"],
            "gate": gate["data"],
            "old": git(root, "rev-parse", "old"), "base": git(root, "rev-parse", "main")}


def report_json(h, *args):
    out = h["root"] / "out" / "report.json"
    code, env, err = h["aqe"].json("report", "generate", "--format", "json", "--output", out, *args)
    assert code == 0, (env, err)
    assert_envelope(env, "report generate", 0)
    return env, json.loads(out.read_text())


def test_json_document_equals_what_execute_measured(history):
    env, doc = report_json(history)
    data = env["data"]
    assert data["format"] == "json" and data["output"] == "out/report.json"
    assert data["bytes"] == len((history["root"] / "out" / "report.json").read_bytes())
    assert doc["schema"] == "aqe-report" and doc["version"] == 1
    ex = history["run2"]
    t = doc["tests"]
    assert data["run_id"] == t["run_id"] == history["ids"][1]
    assert t["complete"] is True and t["status"] == "failure"
    assert doc["branch"] == "feature" and doc["commit"] == t["commit"] == git(history["root"], "rev-parse", "HEAD")
    assert (t["total"], t["passed"], t["failed"], t["skipped"], t["errors"], t["flaky"]) == (
        ex["tests_run"], ex["passed"], ex["failed"], ex["skipped"], ex["errors"], ex["flaky"])
    assert t["duration_s"] == ex["duration_s"] and t["workers"] == ex["workers"]
    assert t["pass_rate"] == round(100 * ex["passed"] / (ex["tests_run"] - ex["skipped"]), 2)
    assert [f["test"] for f in t["failures"]] == [f["test"] for f in ex["failures"]]
    weird = t["failures"][0]
    assert WEIRD in weird["test"] and weird["file"] == "tests/test_weird.py"
    assert "expected | value" in weird["traceback"] and isinstance(weird["line"], int)
    assert len(t["slowest"]) == 10
    durations = [s["duration_s"] for s in t["slowest"]]
    assert durations == sorted(durations, reverse=True)

    c, xc = doc["coverage"], ex["coverage"]
    for k in ("lines_covered", "lines_total", "branches_covered", "branches_total"):
        assert c[k] == xc[k], k
    assert c["line_rate"] == round(100 * xc["line_rate"], 2)
    assert c["branch_rate"] == round(100 * xc["branch_rate"], 2)
    assert sorted(f["path"] for f in c["files"]) == sorted(f["file"] for f in xc["files"])
    report_py = next(f for f in c["files"] if f["path"].endswith("inventory/report.py"))
    assert len(report_py["missing_lines"]) == report_py["lines_total"] - report_py["lines_covered"]
    assert report_py["partial_branches"] and all(len(a) == 2 for a in report_py["partial_branches"])

    g, xg = doc["gate"], history["gate"]
    assert (g["passed"], g["score"], g["threshold"]) == (xg["passed"], xg["score"], xg["threshold"])
    assert [(c["metric"], c["actual"], c["passed"]) for c in g["conditions"]] == [
        (c["metric"], c["actual"], c["passed"]) for c in xg["conditions"]]
    sec, xs = doc["security"], history["scan"]
    assert sec["counts"] == xs["counts"] and sec["files_scanned"] == xs["files_scanned"]
    assert sorted(f["fingerprint"] for f in sec["findings"]) == sorted(f["fingerprint"] for f in xs["findings"])
    # Never measured: null, not 0.
    for section in ("generate", "cost", "comparison"):
        assert doc[section] is None, section
    # Trends: the complete runs of the branch, oldest first (run 1 was on main, run 3 partial).
    assert [p["run_id"] for p in doc["trends"]] == [history["ids"][1]]
    assert doc["trends"][0]["line_rate"] == c["line_rate"]
    # The scan of the same commit (every finding it stored), no model call: cost unknown.
    assert doc["trends"][0]["findings"] == sum(xs["counts"].values()) == len(xs["findings"]) > 0
    assert doc["trends"][0]["cost_usd"] is None


def test_a_partial_run_is_not_taken_as_latest(history):
    complete, partial = history["ids"][1], history["ids"][2]
    env, doc = report_json(history)
    assert doc["tests"]["run_id"] == complete
    assert any(f"latest execute run ({partial}) is partial (timeout)" in w for w in env["warnings"]), env
    env, doc = report_json(history, "--run", str(partial))
    assert doc["tests"]["run_id"] == partial
    assert doc["tests"]["complete"] is False and doc["tests"]["status"] == "timeout"
    md = history["aqe"].run("report", "generate", "--format", "markdown", "--run", str(partial))
    assert md.returncode == 0, md.stderr
    assert f"Run {partial} is partial (timeout)" in md.stdout
    # A run of another command is not a report's run.
    code, env, _ = history["aqe"].json("report", "generate", "--format", "json", "--run", str(partial + 1))
    assert code == 3 and "--run" in env["errors"][0]["message"]


def test_markdown_has_the_totals_and_escapes_project_text(history):
    p = history["aqe"].run("report", "generate", "--format", "markdown")
    assert p.returncode == 0, p.stderr
    md = p.stdout
    ex = history["run2"]
    assert f"| {ex['passed']} passed, {ex['failed']} failed, {ex['flaky']} flaky ({ex['tests_run']} total) |" in md, md
    assert f"| {shown(100 * ex['coverage']['line_rate'])}% |" in md
    assert "<script>" not in md
    assert "a\\|b&lt;script&gt;alert\\(1\\)" in md, md
    assert "### Security findings" in md and "deploy/settings.py:1" in md
    assert f"| {history['gate']['conditions'][0]['metric'].replace('_', chr(92) + '_')} |" in md
    # Trimmed to a smaller size, with the count of what was left out.
    out = history["root"] / "out" / "summary.md"
    code, env, err = history["aqe"].json("report", "generate", "--format", "markdown", "--max-bytes", "1500",
                                         "-o", out)
    assert code == 0, err
    text = out.read_text()
    assert len(text.encode()) <= 1500 and env["data"]["bytes"] == len(text.encode())
    assert "more not shown" in text


def test_html_is_written_with_the_same_document(history):
    out = history["root"] / "out" / "report.html"
    code, env, err = history["aqe"].json("report", "generate", "--format", "html", "-o", out)
    assert code == 0, err
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") or page.lower().startswith("<!doctype html>")
    assert env["data"]["run_id"] == history["ids"][1] and env["data"]["bytes"] == len(page.encode())
    assert "<script>alert(1)" not in page


def test_badges_show_the_measured_coverage(history):
    ex = history["run2"]
    value = shown(100 * ex["coverage"]["line_rate"]) + "%"
    svg = history["root"] / "out" / "coverage.svg"
    code, env, err = history["aqe"].json("report", "badge", "--metric", "coverage", "--output", svg)
    assert code == 0, err
    text = svg.read_text()
    assert text.startswith("<svg") and f">{value}</text>" in text
    assert env["data"]["message"] == value
    endpoint = history["root"] / "out" / "coverage.json"
    code, env, err = history["aqe"].json("report", "badge", "--metric", "coverage", "--format", "endpoint",
                                         "-o", endpoint)
    assert code == 0, err
    doc = json.loads(endpoint.read_text())
    assert doc == {"schemaVersion": 1, "label": "coverage", "message": value, "color": doc["color"]}
    rate = 100 * ex["coverage"]["line_rate"]
    assert doc["color"] == ("brightgreen" if rate >= 90 else "green" if rate >= 80 else "yellowgreen"
                            if rate >= 70 else "yellow" if rate >= 60 else "orange" if rate >= 50 else "red")
    p = history["aqe"].run("report", "badge", "--metric", "tests", "--format", "endpoint")
    assert json.loads(p.stdout)["message"] == f"{ex['failed']} failed, {ex['passed']} passed"
    p = history["aqe"].run("report", "badge", "--metric", "security", "--format", "endpoint")
    counts = history["scan"]["counts"]
    assert json.loads(p.stdout)["message"] == ", ".join(
        f"{counts[k]} {k}" for k in ("critical", "high", "medium", "low") if counts[k])
    # The gate run of the fixture: its verdict and its score.
    g = history["gate"]
    p = history["aqe"].run("report", "badge", "--metric", "quality", "--format", "endpoint")
    assert p.returncode == 0, p.stderr
    assert g["score"] is not None
    assert json.loads(p.stdout) == {"schemaVersion": 1, "label": "quality gate",
                                    "message": f"{'passed' if g['passed'] else 'failed'} ({shown(g['score'])})",
                                    "color": "brightgreen" if g["passed"] else "red"}
    p = history["aqe"].run("report", "badge", "--metric", "generated", "--format", "endpoint")
    assert json.loads(p.stdout) == {"schemaVersion": 1, "label": "tests generated", "message": "unknown",
                                    "color": "lightgrey"}


def test_base_branch_measured_and_never_measured(history):
    _, doc = report_json(history, "--base-branch", "old")
    c = doc["comparison"]
    assert c["measured"] is False and c["base_commit"] == history["old"] and c["base_run_id"] is None
    assert c["reason"] == f"unknown: base commit {history['old'][:12]} was never measured"
    assert c["line_rate_delta"] is None and c["new_failures"] == []

    _, doc = report_json(history, "--base-branch", "main")
    c = doc["comparison"]
    assert c["measured"] is True and c["base_commit"] == history["base"] and c["base_run_id"] == history["ids"][0]
    assert c["new_failures"] == [doc["tests"]["failures"][0]["test"]]
    # test_toggle failed in run 1 and passes now; test_fails_once did not exist on the base.
    assert c["fixed"] == [TOGGLE]
    assert c["newly_flaky"] == [FLAKY]
    expected = round(round(100 * history["run2"]["coverage"]["line_rate"], 2)
                     - round(100 * history["run1"]["coverage"]["line_rate"], 2), 2)
    assert c["line_rate_delta"] == expected
    # The base commit's scan found nothing: every finding of the head's scan is new.
    assert sorted(f["fingerprint"] for f in c["new_findings"]) == sorted(
        f["fingerprint"] for f in history["scan"]["findings"])
    p = history["aqe"].run("report", "generate", "--format", "markdown", "--base-branch", "old")
    assert "unknown: base commit " + history["old"][:12] + " was never measured" in p.stdout


def test_since_narrows_the_trends(history):
    # Run 2 (the branch's only complete run) started before run 3's 3-second timeout ran out.
    _, doc = report_json(history, "--since", "1h")
    assert [p["run_id"] for p in doc["trends"]] == [history["ids"][1]]
    _, doc = report_json(history, "--since", "1s")
    assert doc["trends"] == []
    assert doc["tests"]["run_id"] == history["ids"][1]  # --since narrows the trends only


@pytest.mark.parametrize("args,flag", [
    (["generate", "--format", "pdf"], "--format"),
    (["generate", "--format", "json", "--run", "abc"], "--run"),
    (["generate", "--format", "json", "--run", "999"], "--run"),
    (["generate", "--format", "json", "--since", "3x"], "--since"),
    (["generate", "--format", "json", "--max-bytes", "5000"], "--max-bytes"),
    (["generate", "--format", "json", "--base-branch", "no-such-branch"], "--base-branch"),
    (["badge", "--metric", "speed"], "--metric"),
    (["badge", "--metric", "coverage", "--format", "png"], "--format"),
])
def test_bad_flags_exit_3_naming_the_flag(history, args, flag):
    code, env, err = history["aqe"].json("report", *args)
    assert code == 3, env
    assert flag in env["errors"][0]["message"], env["errors"]


def test_nothing_recorded(aqe, project):
    code, env, _ = aqe.json("report", "generate", "--format", "json")
    assert code == 3
    assert "no complete execute run recorded; run aqe execute first" in env["errors"][0]["message"]
    # A badge exists before anything was measured: unknown, in grey.
    code, env, err = aqe.json("report", "badge", "--metric", "coverage", "-o", "badge.svg")
    assert code == 0, err
    assert env["data"]["message"] == "unknown" and env["data"]["color"] == "lightgrey"
    assert ">unknown</text>" in (project / "badge.svg").read_text()
    assert not (project / ".aqe").exists(), "a report reads the state, it does not create it"


def test_coverage_is_unknown_until_a_coverage_run(aqe, project):
    shutil.copytree(REPO / "tests" / "data" / "gate" / "pyproj", project, dirs_exist_ok=True)
    code, ex, err = aqe.json("execute", "tests/", *PY, timeout=300)
    assert code == 0, err
    code, env, err = aqe.json("report", "badge", "--metric", "coverage", "--format", "endpoint")
    assert code == 0, err
    assert (env["data"]["message"], env["data"]["color"]) == ("unknown", "lightgrey")
    code, env, err = aqe.json("report", "generate", "--format", "json")
    assert code == 0, err
    doc = env["data"]["document"]
    assert doc["coverage"] is None and doc["trends"][0]["line_rate"] is None
    assert doc["tests"]["passed"] == ex["data"]["passed"]
    p = aqe.run("report", "generate", "--format", "markdown")
    d = ex["data"]
    assert d["skipped"] > 0
    assert f"| {d['passed']} passed, 0 failed, {d['skipped']} skipped ({d['tests_run']} total) | 100% |" in p.stdout
    assert " s | unknown | unknown |" in p.stdout  # line and branch coverage after the duration
