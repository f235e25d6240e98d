"""execute --shard i/n: every shard of one run computes the same split, whichever order the
shards run in and whichever state directory holds them; and the worker-count model reads only
runs that did all of their work (issue 18)."""
import shutil
import sqlite3
import xml.etree.ElementTree as ET
from contextlib import closing

from conftest import SYSTEM_PYTHON

FILES, PER_FILE = 6, 10
SUITE = {f"tests.test_m{f}::test_{t}" for f in range(FILES) for t in range(PER_FILE)}


def write_suite(project):
    """60 tests in 6 files whose durations differ (busy loops of 1-23 sizes, no sleeps), so
    the recorded durations change the balance from one run to the next."""
    tests = project / "tests"
    tests.mkdir()
    for f in range(FILES):
        body = []
        for t in range(PER_FILE):
            size = ((f * PER_FILE + t) * 7919) % 23 + 1
            body.append(f"def test_{t}():\n    assert sum(range({size} * 12000)) >= 0\n")
        (tests / f"test_m{f}.py").write_text("\n\n".join(body))


def junit_ids(path):
    return [f"{tc.get('classname')}::{tc.get('name')}" for tc in ET.parse(path).iter("testcase")]


def run_shard(aqe, i, n, cwd=None, commit=""):
    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--shard", f"{i}/{n}",
                              cwd=cwd, env={"GIT_COMMIT": commit})
    assert code == 0, err
    shard = doc["data"]["shard"]
    assert (shard["index"], shard["total"]) == (i, n)
    ids = junit_ids(doc["data"]["junit_xml"])
    assert len(ids) == doc["data"]["tests_run"]
    return ids, shard["durations_from"]


def assert_partition(parts):
    seen = [t for p in parts for t in p]
    assert len(seen) == len(set(seen)), f"run twice: {sorted(t for t in set(seen) if seen.count(t) > 1)}"
    assert set(seen) == SUITE, f"never run: {sorted(SUITE - set(seen))}"


def whole_run(aqe, commit="", cwd=None):
    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, cwd=cwd,
                              env={"GIT_COMMIT": commit})
    assert code == 0, err
    assert doc["data"]["passed"] == len(SUITE)


def latest_execute_run_id(project):
    with closing(sqlite3.connect(project / ".aqe" / "aqe.db")) as db:
        return db.execute("SELECT max(id) FROM runs WHERE command = 'execute'").fetchone()[0]


def test_shards_in_either_order_in_one_state_dir_run_every_test_once(aqe, project):
    write_suite(project)
    # No history at all: the first shard records durations the second must not plan with.
    first, base1 = run_shard(aqe, 1, 2)
    second, base2 = run_shard(aqe, 2, 2)
    assert base1 is None and base2 is None
    assert_partition([first, second])
    # The other order, now with shard runs stored (of an unknown commit: never a base).
    second, base2 = run_shard(aqe, 2, 2)
    first, base1 = run_shard(aqe, 1, 2)
    assert base1 is None and base2 is None
    assert_partition([first, second])
    # After a whole run, both shards plan with its durations, in any order, three times over.
    whole_run(aqe)
    whole_id = latest_execute_run_id(project)
    for order in ((1, 2), (2, 1), (1, 2)):
        parts = {}
        for i in order:
            parts[i], base = run_shard(aqe, i, 2)
            assert base == {"source": "state_db", "run_id": whole_id, "commit": None}
        assert_partition(parts.values())
    # Three shards as well.
    parts = [run_shard(aqe, i, 3)[0] for i in (3, 1, 2)]
    assert_partition(parts)


def test_shards_of_one_commit_agree_across_state_dirs_and_orders(aqe, project, tmp_path):
    write_suite(project)
    a, b = "a" * 40, "b" * 40
    whole_run(aqe, commit=a)
    base_id = latest_execute_run_id(project)
    # Two CI jobs restored from the same cache; each also runs the other's shard afterwards
    # (a retried job), so each job's state dir then holds the other shard's results too.
    job1, job2 = tmp_path / "job1", tmp_path / "job2"
    shutil.copytree(project, job1)
    shutil.copytree(project, job2)
    got = {}
    for job, order in ((job1, (1, 2)), (job2, (2, 1))):
        for i in order:
            ids, base = run_shard(aqe, i, 2, cwd=job, commit=b)
            assert base == {"source": "state_db", "run_id": base_id, "commit": a}
            got.setdefault(i, []).append(sorted(ids))
    assert got[1][0] == got[1][1] and got[2][0] == got[2][1]
    assert_partition([got[1][0], got[2][0]])
    # The next commit plans with the newest complete run of commit b, in either order.
    c = "c" * 40
    b_last = latest_execute_run_id(job1)
    second, base2 = run_shard(aqe, 2, 2, cwd=job1, commit=c)
    first, base1 = run_shard(aqe, 1, 2, cwd=job1, commit=c)
    assert base1 == base2 == {"source": "state_db", "run_id": b_last, "commit": b}
    assert_partition([first, second])


def test_a_fail_fast_run_does_not_shrink_the_next_runs_plan(aqe, project):
    """A -x run that stopped after the first failure knew of one test: the next run's plan (its
    worker cap, one per test of the planned suite) comes from the last run that ran everything."""
    tests = project / "tests"
    tests.mkdir()
    (tests / "test_a.py").write_text("def test_fails():\n    assert False\n")
    (tests / "test_b.py").write_text("".join(f"def test_{i}():\n    pass\n\n" for i in range(9)))
    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON)
    assert code == 1, err
    assert doc["data"]["tests_run"] == 10
    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "-x")
    assert code == 1, err
    assert doc["data"]["not_run"] > 0
    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--workers", "3")
    assert code == 1, err
    assert doc["data"]["workers"] == 3, doc["warnings"]
    assert doc["data"]["tests_run"] == 10
