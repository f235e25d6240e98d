"""aqe security-scan --comprehensive (dependencies vs an offline OSV directory), the scan recorded
for the quality gate, and --git-history."""
import json
import shutil
import sqlite3
import subprocess

import pytest

from conftest import REPO, assert_envelope

DATA = REPO / "tests" / "data" / "scan" / "deps"
KEY = "ghp_" + "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5"

# What tests/data/scan/deps/project must yield against tests/data/scan/deps/advisories, and why.
EXPECTED = {
    # pinned, in 2.3.0 <= v < 2.31.0; PYSEC-2023-74 is an alias and is not reported again
    ("requirements.txt", 5, "requests", "GHSA-j8r2-6x86-q33q", "medium"),
    # a range that admits 2.10 (< 2.11.3); the environment marker is noted, not evaluated
    ("requirements.txt", 6, "Jinja2", "GHSA-g3rq-g295-4j3m", "medium"),
    # reached through -r; severity from the CVSS vector (5.9)
    ("requirements-base.txt", 1, "urllib3", "GHSA-v845-jxx5-vc9f", "medium"),
    # PEP 621 optional dependency, pinned below the fix
    ("pyproject.toml", 10, "Jinja2", "GHSA-g3rq-g295-4j3m", "medium"),
    # Poetry ^1.26.0 admits 1.26.0 (< 1.26.17)
    ("pyproject.toml", 14, "urllib3", "GHSA-v845-jxx5-vc9f", "medium"),
    ("poetry.lock", 12, "requests", "GHSA-j8r2-6x86-q33q", "medium"),
    ("Pipfile.lock", 9, "requests", "GHSA-j8r2-6x86-q33q", "medium"),
    # the top-level lodash 4.17.20; the nested 4.17.21 is fixed
    ("package-lock.json", 20, "lodash", "GHSA-35jh-r3h4-6jhm", "high"),
}


@pytest.fixture
def deps_project(project):
    shutil.copytree(DATA / "project", project, dirs_exist_ok=True)
    return project


def dep_findings(doc):
    return [f for f in doc["data"]["findings"] if f["category"] == "dependency"]


def summarise(findings):
    out = set()
    for f in findings:
        package = f["message"].split(" ", 1)[0]
        advisory = f["message"].split(" is affected by ", 1)[1].split(" ", 1)[0]
        out.add((f["file"], f["line"], package, advisory, f["severity"]))
    return out


def test_each_manifest_format_is_matched(aqe, deps_project):
    code, doc, _ = aqe.json("security-scan", ".", "--comprehensive", "--advisories", DATA / "advisories")
    assert code == 0
    assert_envelope(doc, "security-scan", 0)
    found = dep_findings(doc)
    assert summarise(found) == EXPECTED
    assert len(found) == len(EXPECTED)
    for f in found:
        assert f["rule_id"] == "dep-vulnerable" and f["cwe"] == "CWE-1395"
        assert f["fingerprint"] and f["snippet"]
    by_key = {(f["file"], f["line"]): f for f in found}
    pinned = by_key[("requirements.txt", 5)]
    assert pinned["confidence"] == "high"
    assert pinned["message"].startswith("requests 2.25.1 is affected by GHSA-j8r2-6x86-q33q")
    assert pinned["message"].endswith("fixed in 2.31.0")
    ranged = by_key[("requirements.txt", 6)]
    assert ranged["confidence"] == "medium"
    assert "admits 2.10" in ranged["message"] and "python_version" in ranged["message"]
    deps = doc["data"]["dependencies"]
    assert deps["checked"] is True
    assert sorted(deps["manifests"]) == sorted(["Pipfile.lock", "package-lock.json", "poetry.lock",
                                                "pyproject.toml", "requirements-base.txt",
                                                "requirements.txt"])
    assert deps["advisories"] == 5  # the withdrawn record is not counted


def test_advisories_from_config_env_and_flag(aqe, deps_project, tmp_path):
    (deps_project / "config").mkdir()
    (deps_project / "config" / "qe-fleet.json").write_text(
        json.dumps({"security": {"advisories_dir": str(DATA / "advisories")}}))
    code, doc, _ = aqe.json("security-scan", ".", "--comprehensive")
    assert code == 0 and len(dep_findings(doc)) == len(EXPECTED)
    empty = tmp_path / "empty-db"
    empty.mkdir()
    code, doc, _ = aqe.json("security-scan", ".", "--comprehensive", env={"QE_ADVISORIES_DIR": str(empty)})
    assert code == 0 and dep_findings(doc) == []  # env beats the config file
    code, doc, _ = aqe.json("security-scan", ".", "--comprehensive", "--advisories", DATA / "advisories",
                            env={"QE_ADVISORIES_DIR": str(empty)})
    assert len(dep_findings(doc)) == len(EXPECTED)  # the flag beats the env


def test_without_database_warns(aqe, deps_project):
    code, doc, _ = aqe.json("security-scan", ".", "--comprehensive")
    assert code == 0
    assert dep_findings(doc) == []
    assert any("dependency check not run" in w for w in doc["warnings"])
    assert doc["data"]["dependencies"]["checked"] is False


def test_missing_database_dir_exits_3(aqe, deps_project):
    code, doc, _ = aqe.json("security-scan", ".", "--comprehensive", "--advisories", "nope/")
    assert code == 3
    assert "nope" in doc["errors"][0]["message"]


def test_fail_on_baseline_and_sarif(aqe, deps_project):
    args = ("security-scan", ".", "--comprehensive", "--advisories", DATA / "advisories")
    code, doc, _ = aqe.json(*args, "--fail-on", "high")
    assert code == 1  # lodash is high
    code, _, _ = aqe.json(*args, "--write-baseline", ".aqe/baseline.json")
    assert code == 0
    # Moving the line keeps the accepted advisory accepted.
    req = deps_project / "requirements.txt"
    req.write_text("\n\n" + req.read_text())
    code, doc, _ = aqe.json(*args, "--baseline", ".aqe/baseline.json", "--fail-on", "low")
    assert code == 0 and dep_findings(doc) == []
    p = aqe.run(*args, "--format", "sarif", "--output", "scan.sarif")
    assert p.returncode == 0
    sarif = json.loads((deps_project / "scan.sarif").read_text())
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert "dep-vulnerable" in rules and rules["dep-vulnerable"]["help"]["text"]


def test_unreadable_requirement_is_a_warning(aqe, project):
    (project / "requirements.txt").write_text("requests=>2.0\nrequests==2.25.1\n")
    code, doc, _ = aqe.json("security-scan", ".", "--comprehensive", "--advisories", DATA / "advisories")
    assert code == 0
    assert any(w.startswith("requirements.txt:1: ") for w in doc["warnings"]), doc["warnings"]
    assert [(f["line"]) for f in dep_findings(doc)] == [2]


# ---- recorded for the quality gate ----

def test_scan_is_recorded_and_the_gate_counts_it(aqe, project):
    src = project / "src"
    src.mkdir()
    (src / "app.py").write_text(f'import os\nTOKEN = "{KEY}"\nos.system(cmd)\n')
    code, scan, _ = aqe.json("security-scan", "src/")
    assert code == 0
    counts = scan["data"]["counts"]
    db = sqlite3.connect(project / ".aqe" / "aqe.db")
    runs = db.execute("SELECT id, status, summary_json FROM runs WHERE command = 'security-scan'").fetchall()
    assert len(runs) == 1 and runs[0][1] == "success"
    assert json.loads(runs[0][2])["counts"] == counts
    rows = db.execute("SELECT rule_id, file, line, snippet FROM findings WHERE run_id = ?", (runs[0][0],)).fetchall()
    assert sorted(rows) == sorted((f["rule_id"], f["file"], f["line"], f["snippet"])
                                  for f in scan["data"]["findings"])
    assert all(KEY not in r[3] for r in rows)  # stored redacted
    assert {r[1] for r in rows} == {"src/app.py"}

    code, gate, _ = aqe.json("quality-gate", "--threshold", "0")
    assert code == 0, gate
    metrics = gate["data"]["metrics"]
    for level in ("critical", "high", "medium", "low"):
        assert metrics[f"security_{level}"] == counts[level], level
    assert metrics["security_critical"] >= 1
    assert any("security-scan run" in i for i in gate["data"]["inputs"])

    # The latest scan is the one judged: fix the code and scan again.
    (src / "app.py").write_text("print('clean')\n")
    aqe.json("security-scan", "src/")
    code, gate, _ = aqe.json("quality-gate", "--threshold", "0")
    assert gate["data"]["metrics"]["security_critical"] == 0


def test_recorded_paths_are_project_relative(aqe, project, tmp_path):
    (project / "pkg").mkdir()
    (project / "pkg" / "a.py").write_text(f'k = "{KEY}"\n')
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    code, _, _ = aqe.json("--project-dir", project, "security-scan", project / "pkg", cwd=outside)
    assert code == 0
    db = sqlite3.connect(project / ".aqe" / "aqe.db")
    assert [r[0] for r in db.execute("SELECT file FROM findings")] == ["pkg/a.py"]


def git(repo, *args):
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
                        "PATH": "/usr/bin:/bin", "HOME": str(repo)})


def test_branch_and_commit_are_recorded(aqe, project):
    git(project, "init", "-q", "-b", "feature/x")
    (project / "a.py").write_text("x = 1\n")
    git(project, "add", "a.py")
    git(project, "commit", "-q", "-m", "one")
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=project, capture_output=True, text=True).stdout.strip()
    aqe.json("security-scan", "a.py")
    db = sqlite3.connect(project / ".aqe" / "aqe.db")
    assert db.execute("SELECT branch, commit_sha FROM runs WHERE command = 'security-scan'").fetchall() == [
        ("feature/x", head)]
    aqe.json("security-scan", "a.py", env={"GITHUB_REF": "refs/heads/main", "GITHUB_SHA": "abc123",
                                           "GITHUB_EVENT_NAME": "push"})
    assert db.execute("SELECT branch, commit_sha FROM runs WHERE command = 'security-scan' ORDER BY id DESC"
                      " LIMIT 1").fetchall() == [("main", "abc123")]


# ---- --git-history ----

def test_git_history_finds_a_deleted_secret(aqe, project):
    git(project, "init", "-q", "-b", "main")
    (project / "app.py").write_text("import os\n")
    git(project, "add", "app.py")
    git(project, "commit", "-q", "-m", "start")
    (project / "app.py").write_text(f'import os\n\nTOKEN = "{KEY}"\n')
    git(project, "commit", "-q", "-am", "add token")
    leak = subprocess.run(["git", "rev-parse", "HEAD"], cwd=project, capture_output=True, text=True).stdout.strip()
    (project / "app.py").write_text("import os\nTOKEN = os.environ['TOKEN']\n")
    git(project, "commit", "-q", "-am", "remove token")

    code, doc, _ = aqe.json("security-scan", ".")
    assert code == 0 and doc["data"]["findings"] == []  # the working tree is clean

    code, doc, _ = aqe.json("security-scan", "--git-history", "--fail-on", "high")
    assert code == 1, doc
    found = doc["data"]["findings"]
    assert [(f["rule_id"], f["file"], f["line"]) for f in found] == [("github-pat", f"{leak}:app.py", 3)]
    assert found[0]["snippet"] == "ghp_****"
    assert doc["data"]["commits_scanned"] == 3

    # Only commits after the leak: nothing.
    code, doc, _ = aqe.json("security-scan", "--git-history", "--since", leak)
    assert code == 0 and doc["data"]["findings"] == []


def test_git_history_scans_all_branches_and_tags(aqe, project):
    git(project, "init", "-q", "-b", "main")
    (project / "app.py").write_text("import os\n")
    git(project, "add", "app.py")
    git(project, "commit", "-q", "-m", "start")
    git(project, "checkout", "-q", "-b", "feature")
    (project / "app.py").write_text(f'import os\nTOKEN = "{KEY}"\n')
    git(project, "commit", "-q", "-am", "token on a branch")
    git(project, "tag", "v1")
    git(project, "checkout", "-q", "main")
    code, doc, _ = aqe.json("security-scan", "--git-history", "--fail-on", "high")
    assert code == 1 and [f["rule_id"] for f in doc["data"]["findings"]] == ["github-pat"], doc
    assert doc["data"]["commits_scanned"] == 2  # the branch's commit once, though a tag names it too
    code, doc, _ = aqe.json("security-scan", "--git-history", "--head-only", "--fail-on", "high")
    assert code == 0 and doc["data"]["findings"] == []
    code, doc, _ = aqe.json("security-scan", "--git-history", "--since", "v1")
    assert code == 0 and doc["data"]["findings"] == []
    code, _, err = aqe.json("security-scan", "--head-only")
    assert code == 3


def test_git_history_errors(aqe, project):
    code, doc, _ = aqe.json("security-scan", "--git-history")
    assert code == 3 and "git log failed" in doc["errors"][0]["message"]
    code, doc, _ = aqe.json("security-scan", "--since", "main")
    assert code == 3 and "--git-history" in doc["errors"][0]["message"]
    git(project, "init", "-q", "-b", "main")
    code, doc, _ = aqe.json("security-scan", "--git-history", "--since", "--all")
    assert code == 3
