"""aqe report merge: the demo suite run as three shards in three checkouts, their .aqe/ directories
copied away (as CI artifacts are) and the checkouts deleted, merged in a fourth checkout, gives the
totals and the combined line/branch coverage of one unsharded run of the same suite; quality-gate
and report generate then judge and show those totals. Partial, mismatched, duplicate and
missing shards are refused with exit 3 naming the input.
"""
import json
import shutil
import sqlite3
import subprocess

import pytest

from conftest import REPO, SYSTEM_PYTHON, Aqe, _aqe_bin

PY = ["--python", SYSTEM_PYTHON]
IGNORE = shutil.ignore_patterns(".aqe", ".venv", "__pycache__", ".coverage*", "generated", ".pytest_cache")


def demo(dst):
    shutil.copytree(REPO / "examples" / "demo", dst, ignore=IGNORE)
    return dst


def run_json(cwd, *args):
    p = Aqe(_aqe_bin(), cwd).run("--json", *args)
    return p.returncode, json.loads(p.stdout), p.stderr


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    """artifacts/shard-{1,2,3}: the shards' .aqe/ dirs; whole: the unsharded run's checkout."""
    root = tmp_path_factory.mktemp("merge")
    jobs = [demo(root / f"job{i}") for i in (1, 2, 3)]
    whole = demo(root / "whole")
    procs = [subprocess.Popen([_aqe_bin(), "--json", "execute", "--coverage", "--shard", f"{i}/3", *PY,
                               "--store-artifacts", "--artifact-key", f"shard-{i}"],
                              cwd=job, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i, job in enumerate(jobs, 1)]
    procs.append(subprocess.Popen([_aqe_bin(), "--json", "execute", "--coverage", *PY], cwd=whole,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    docs = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        docs.append(json.loads(out)["data"])
    artifacts = root / "artifacts"
    exported = root / "exported"
    for i, job in enumerate(jobs, 1):
        # The shard's --store-artifacts artifact (local storage), fetched as another job would.
        code, doc, err = run_json(job, "artifacts", "get", f"shard-{i}", "--output", exported / f"shard-{i}")
        assert code == 0, err
        shutil.copytree(job / ".aqe", artifacts / f"shard-{i}")
        shutil.rmtree(job)  # the shard's checkout is gone, as on another CI runner
    return {"root": root, "artifacts": artifacts, "exported": exported, "whole": whole, "whole_doc": docs[3],
            "shard_docs": docs[:3]}


def totals(doc):
    return {k: doc[k] for k in ("tests_run", "passed", "failed", "skipped", "errors", "flaky", "not_run")}


def coverage_of(doc):
    c = doc["coverage"]
    return {k: c[k] for k in ("lines_covered", "lines_total", "branches_covered", "branches_total")}


def test_merged_shards_equal_one_unsharded_run(shards, tmp_path):
    project = demo(tmp_path / "merged")
    a = shards["artifacts"]
    code, doc, err = run_json(project, "report", "merge", a / "shard-3", a / "shard-1", a / "shard-2", *PY,
                              "--output", "merged-out")
    assert code == 0, err
    assert doc["command"] == "report merge"
    data = doc["data"]
    whole = shards["whole_doc"]
    assert totals(data) == totals(whole)
    assert data["tests_run"] > 0
    assert coverage_of(data) == coverage_of(whole)
    # Wall time: the longest shard's, not the sum.
    assert data["duration_s"] == pytest.approx(max(d["duration_s"] for d in shards["shard_docs"]))
    assert [s["shard"]["index"] for s in data["shards"]] == [1, 2, 3]

    # The merged files: every JUnit case kept, coverage.py's JSON with the same lines as unsharded.
    out = project / "merged-out"
    junit = (out / "junit.xml").read_text()
    assert junit.count("<testcase") == whole["tests_run"]
    merged_cov = json.loads((out / "coverage.json").read_text())
    whole_cov = json.loads((shards["whole"] / ".aqe" / "runs" / "1" / "coverage.json").read_text())
    assert merged_cov["totals"] == whole_cov["totals"]
    assert {f: v["executed_lines"] for f, v in merged_cov["files"].items()} == \
        {f: v["executed_lines"] for f, v in whole_cov["files"].items()}

    # The gate and the report read the merged run as the latest complete execute run.
    code, gate, err = run_json(project, "quality-gate")
    assert code == 0, err
    m = gate["data"]["metrics"]
    w = whole["coverage"]
    assert m["line_coverage"] == pytest.approx(round(100 * w["line_rate"], 2))
    assert m["branch_coverage"] == pytest.approx(round(100 * w["branch_rate"], 2))
    assert m["tests_failed"] == whole["failed"]
    code, rep, err = run_json(project, "report", "generate", "--format", "json")
    assert code == 0, err
    t = rep["data"]["document"]["tests"]
    assert t["complete"] is True and t["total"] == whole["tests_run"] and t["passed"] == whole["passed"]
    c = rep["data"]["document"]["coverage"]
    assert {k: c[k] for k in coverage_of(whole)} == coverage_of(whole)
    assert len(c["files"]) == len(whole_cov["files"])

    # Recorded as one complete execute run with every test's result (durations for the next run).
    db = sqlite3.connect(project / ".aqe" / "aqe.db")
    rows = db.execute("SELECT command, status FROM runs WHERE command = 'execute'").fetchall()
    assert rows == [("execute", "success")]
    assert db.execute("SELECT count(DISTINCT test_id) FROM test_results").fetchone()[0] == whole["tests_run"]


def test_merged_exported_artifacts_equal_one_unsharded_run(shards, tmp_path):
    """The folders `aqe artifacts get` wrote for the shards' execute artifacts are shard inputs."""
    e = shards["exported"]
    for i in (1, 2, 3):
        assert sorted(p.name for p in (e / f"shard-{i}").iterdir()) == \
            [".coverage", "coverage.json", "durations.json", "junit.xml", "run.json"]
    project = demo(tmp_path / "merged")
    code, doc, err = run_json(project, "report", "merge", e / "shard-2", e / "shard-3", e / "shard-1", *PY,
                              "--output", "merged-out")
    assert code == 0, err
    data = doc["data"]
    whole = shards["whole_doc"]
    assert data["tests_run"] > 0
    assert totals(data) == totals(whole)
    assert coverage_of(data) == coverage_of(whole)
    assert [s["shard"]["index"] for s in data["shards"]] == [1, 2, 3]
    merged_cov = json.loads((project / "merged-out" / "coverage.json").read_text())
    whole_cov = json.loads((shards["whole"] / ".aqe" / "runs" / "1" / "coverage.json").read_text())
    assert merged_cov["totals"] == whole_cov["totals"]
    assert {f: v["executed_lines"] for f, v in merged_cov["files"].items()} == \
        {f: v["executed_lines"] for f, v in whole_cov["files"].items()}
    # Every test's result recorded, with the duration its shard's JUnit file measured.
    db = sqlite3.connect(project / ".aqe" / "aqe.db")
    assert db.execute("SELECT count(DISTINCT test_id) FROM test_results").fetchone()[0] == whole["tests_run"]
    assert db.execute("SELECT count(*) FROM test_results WHERE duration_s > 0").fetchone()[0] > 0
    code, gate, err = run_json(project, "quality-gate")
    assert code == 0, err
    assert gate["data"]["metrics"]["line_coverage"] == pytest.approx(round(100 * whole["coverage"]["line_rate"], 2))

    # A folder without the coverage data (an artifact of an older aqe) is refused, naming it.
    old = tmp_path / "old-shard-1"
    shutil.copytree(e / "shard-1", old)
    (old / ".coverage").unlink()
    msg = refused(demo(tmp_path / "p"), old, e / "shard-2", e / "shard-3")
    assert "old-shard-1" in msg and "coverage data is not in the folder" in msg


def refused(project, *args):
    code, doc, err = run_json(project, "report", "merge", *map(str, args), *PY)
    assert code == 3, (doc, err)
    assert doc["errors"], doc
    return doc["errors"][0]["message"]


def test_missing_and_duplicate_shards_are_refused(shards, tmp_path):
    project = demo(tmp_path / "p")
    a = shards["artifacts"]
    msg = refused(project, a / "shard-1", a / "shard-2")
    assert "3/3 missing" in msg
    msg = refused(project, a / "shard-1", a / "shard-2", a / "shard-2")
    assert "shard-2" in msg and "same shard" in msg
    msg = refused(project, tmp_path)
    assert str(tmp_path) in msg and "aqe.db" in msg


def test_other_commit_and_other_suite_are_refused(shards, tmp_path):
    project = demo(tmp_path / "p")
    a = shards["artifacts"]
    other = tmp_path / "other-commit"
    shutil.copytree(a / "shard-3", other)
    db = sqlite3.connect(other / "aqe.db")
    db.execute("UPDATE runs SET commit_sha = 'abc123'")
    db.commit()
    db.close()
    msg = refused(project, a / "shard-1", a / "shard-2", other)
    assert "other-commit" in msg and "abc123" in msg

    job = demo(tmp_path / "job")
    code, _, err = run_json(job, "execute", "tests/test_sku.py", "--coverage", "--shard", "3/3", *PY)
    assert code == 0, err
    msg = refused(project, a / "shard-1", a / "shard-2", job / ".aqe")
    assert "another suite" in msg


def test_a_shard_that_timed_out_is_refused(tmp_path):
    job = demo(tmp_path / "job")
    (job / "tests" / "test_zz_slow.py").write_text("import time\n\ndef test_sleeps():\n    time.sleep(30)\n")
    code, _, err = run_json(job, "execute", "--shard", "1/1", "--timeout", "2", *PY)
    assert code == 5, err
    msg = refused(demo(tmp_path / "p"), job)
    assert "did not complete (timeout)" in msg
