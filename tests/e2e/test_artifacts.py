"""--store-artifacts and `aqe artifacts`: what a run produced is stored through the configured
backend (local directory, or S3 against a server the test starts on 127.0.0.1), listed, fetched
byte for byte and deleted; a store that cannot be reached never hides the run's results."""
import json
import os
import signal
import sqlite3
import subprocess
import time

from conftest import SYSTEM_PYTHON
from s3_server import (closed_port, control, fault_server, inject, read_object, s3_env, s3_storage_json, server_state,
                       write_object)

SHA = "0123456789abcdef0123456789abcdef01234567"
GITLAB = {"GITLAB_CI": "true", "CI_COMMIT_SHA": SHA, "CI_COMMIT_BRANCH": "feature/x", "QE_PYTHON": SYSTEM_PYTHON}
# The line of the CI guide (PRODUCT.md), run through the shell exactly as written.
CI_LINE = 'aqe execute tests/ --store-artifacts --artifact-key "build-$CI_COMMIT_SHA" --metadata \'{"branch": "main"}\''


def suite(project):
    (project / "tests").mkdir()
    (project / "tests" / "test_ok.py").write_text("def test_one():\n    assert 1 + 1 == 2\n\n"
                                                  "def test_two():\n    assert 'a' in 'abc'\n")


def shell(aqe, line, env):
    e = {k: v for k, v in os.environ.items() if not k.startswith("QE_")}
    e.update(env)
    e["PATH"] = os.path.dirname(aqe.binary) + os.pathsep + e.get("PATH", "")
    return subprocess.run(["bash", "-c", line], cwd=aqe.cwd, env=e, capture_output=True, text=True, timeout=300)


def artifact_rows(project):
    db = sqlite3.connect(project / ".aqe" / "aqe.db")
    try:
        return db.execute("SELECT key, branch, kind, size_bytes, metadata_json FROM artifacts ORDER BY id").fetchall()
    finally:
        db.close()


def test_local_round_trip_with_the_ci_guide_line(aqe, project):
    suite(project)
    p = shell(aqe, CI_LINE, GITLAB)
    assert p.returncode == 0, p.stderr
    assert f"Artifact stored: build-{SHA}" in p.stdout
    key = f"build-{SHA}"

    code, doc, err = aqe.json("artifacts", "list", "--branch", "main", "--since", "1h", env=GITLAB)
    assert code == 0, err
    [a] = doc["data"]["artifacts"]
    assert a["key"] == key and a["branch"] == "main" and a["commit"] == SHA
    assert sorted(f["name"] for f in a["files"]) == ["durations.json", "junit.xml", "run.json"]
    assert a["size_bytes"] == sum(f["size"] for f in a["files"])
    assert a["metadata"]["branch"] == "main" and a["metadata"]["command"] == "execute"
    # Filters that leave it out.
    assert aqe.json("artifacts", "list", "--branch", "feature/x")[1]["data"]["artifacts"] == []
    assert aqe.json("artifacts", "list", "--key-prefix", "nightly-")[1]["data"]["artifacts"] == []

    code, doc, err = aqe.json("artifacts", "get", key, "--output", "fetched")
    assert code == 0, err
    assert doc["data"]["verified"] is True
    run = json.loads((project / "fetched" / "run.json").read_text())
    assert run["command"] == "execute" and run["status"] == "success"
    assert run["summary"]["passed"] == 2
    junit = project / ".aqe" / "runs" / str(run["id"]) / "junit.xml"
    assert (project / "fetched" / "junit.xml").read_bytes() == junit.read_bytes()

    rows = artifact_rows(project)
    assert [(r[0], r[1]) for r in rows] == [(key, "main")]
    assert rows[0][3] == a["size_bytes"]

    # The same key again is refused, the stored artifact untouched; --overwrite replaces it.
    p = shell(aqe, CI_LINE, GITLAB)
    assert p.returncode == 3, p.stderr
    assert "already exists" in p.stderr and "--overwrite" in p.stderr
    assert "2 passed" in p.stdout  # the run's own result is still reported
    p = shell(aqe, CI_LINE + " --overwrite", GITLAB)
    assert p.returncode == 0, p.stderr
    [a2] = aqe.json("artifacts", "list")[1]["data"]["artifacts"]
    assert a2["metadata"]["run_id"] > a["metadata"]["run_id"]

    code, doc, err = aqe.json("artifacts", "delete", key)
    assert code == 0, err
    assert aqe.json("artifacts", "list")[1]["data"]["artifacts"] == []
    assert artifact_rows(project) == []
    code, doc, _ = aqe.json("artifacts", "get", key, "--output", "again")
    assert code == 3 and doc["errors"][0]["code"] == "STORE_NOT_FOUND", doc


def test_metadata_expands_variables_and_defaults(aqe, project):
    suite(project)
    env = dict(GITLAB, PIPELINE="p-77")
    code, doc, err = aqe.json("execute", "tests/", "--store-artifacts",
                              "--metadata", '{"pipeline": "$PIPELINE", "tags": ["${CI_COMMIT_BRANCH}-x", "$UNSET_VAR."], '
                                            '"price": "$5"}', env=env)
    assert code == 0, err
    key = doc["data"]["artifact_key"]
    assert key.startswith("execute-") and key.endswith("-" + SHA[:12]), key
    [a] = aqe.json("artifacts", "list")[1]["data"]["artifacts"]
    assert a["key"] == key
    m = a["metadata"]
    assert m["pipeline"] == "p-77" and m["tags"] == ["feature/x-x", "."] and m["price"] == "$5"
    # Branch and commit come from the CI when --metadata does not give them.
    assert a["branch"] == "feature/x" and a["commit"] == SHA and m["branch"] == "feature/x"
    assert key == f"execute-{m['run_id']}-{SHA[:12]}"
    # Not asked: the field is there and null.
    code, doc, err = aqe.json("execute", "tests/", env=GITLAB)
    assert code == 0 and doc["data"]["artifact_key"] is None, err


def test_bad_metadata_and_key_are_refused_before_the_run(aqe, project):
    suite(project)
    code, doc, _ = aqe.json("execute", "tests/", "--store-artifacts", "--metadata", '{"branch": main}', env=GITLAB)
    assert code == 3
    msg = doc["errors"][0]["message"]
    assert "--metadata" in msg and "line 1, column 12" in msg, msg
    code, doc, _ = aqe.json("execute", "tests/", "--store-artifacts", "--metadata", '["a"]', env=GITLAB)
    assert code == 3 and "JSON object" in doc["errors"][0]["message"]
    code, doc, _ = aqe.json("execute", "tests/", "--store-artifacts", "--artifact-key", "a/../b", env=GITLAB)
    assert code == 3 and "--artifact-key" in doc["errors"][0]["message"]
    code, doc, _ = aqe.json("execute", "tests/", "--metadata", "{}", env=GITLAB)
    assert code == 3 and "--store-artifacts" in doc["errors"][0]["message"]
    # Nothing ran: no run was recorded.
    assert not (project / ".aqe" / "aqe.db").exists() or not sqlite3.connect(
        project / ".aqe" / "aqe.db").execute("SELECT count(*) FROM runs").fetchone()[0]


def test_unreachable_store_is_exit_4_with_results_kept_or_a_warning(aqe, project):
    suite(project)
    (project / "config").mkdir()
    storage = project / "config" / "storage.json"
    storage.write_text(s3_storage_json(f"http://127.0.0.1:{closed_port()}"))
    env = dict(GITLAB, **s3_env())
    start = time.monotonic()
    code, doc, err = aqe.json("execute", "tests/", "--store-artifacts", env=env)
    elapsed = time.monotonic() - start
    assert code == 4, err
    assert elapsed < 30, elapsed
    assert doc["data"]["passed"] == 2 and doc["data"]["artifact_key"] is None
    e = doc["errors"][0]
    assert e["code"] == "STORE_TRANSIENT" and "artifacts not stored" in e["message"], e
    assert env["AWS_SECRET_ACCESS_KEY"] not in err + json.dumps(doc)
    db = sqlite3.connect(project / ".aqe" / "aqe.db")
    status, summary = db.execute("SELECT status, summary_json FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    assert status == "success" and json.loads(summary)["passed"] == 2

    storage.write_text(s3_storage_json(f"http://127.0.0.1:{closed_port()}", required=False))
    code, doc, err = aqe.json("execute", "tests/", "--store-artifacts", env=env)
    assert code == 0, err
    assert any("artifacts not stored" in w for w in doc["warnings"]), doc
    assert doc["data"]["artifact_key"] is None

    # Credentials missing: a configuration error naming the variable, whatever `required` says.
    code, doc, err = aqe.json("execute", "tests/", "--store-artifacts", env=GITLAB)
    assert code == 3 and "AWS_ACCESS_KEY_ID" in doc["errors"][0]["message"], doc
    assert doc["data"]["passed"] == 2


def test_s3_round_trip_against_a_signature_checking_server(aqe, project):
    suite(project)
    (project / "config").mkdir()
    env = dict(GITLAB, CI_COMMIT_TAG="v1.0", **s3_env())  # a tag build: class release
    with fault_server() as endpoint:
        (project / "config" / "storage.json").write_text(s3_storage_json(endpoint))
        code, doc, err = aqe.json("execute", "tests/", "--store-artifacts", "--artifact-key", "s3-run",
                                  "--metadata", '{"branch": "release/1.0"}', env=env)
        assert code == 0, err
        assert doc["data"]["artifact_key"] == "s3-run"
        objects = server_state(endpoint)["objects"]
        assert "ci/aqe/release/release%2F1.0/s3-run/manifest.json" in objects, objects
        code, doc, err = aqe.json("artifacts", "list", "--branch", "release/1.0", env=env)
        assert code == 0, err
        assert [a["key"] for a in doc["data"]["artifacts"]] == ["s3-run"]
        code, doc, err = aqe.json("artifacts", "get", "s3-run", "--output", "out", env=env)
        assert code == 0, err
        run = json.loads((project / "out" / "run.json").read_text())
        assert (project / "out" / "junit.xml").read_bytes() == (
            project / ".aqe" / "runs" / str(run["id"]) / "junit.xml").read_bytes()
        # A wrong secret: the server refuses the signature; the message names the variables only.
        bad = dict(env, AWS_SECRET_ACCESS_KEY="not-the-secret-" + "x" * 20)
        code, doc, err = aqe.json("artifacts", "list", env=bad)
        assert code == 3 and doc["errors"][0]["code"] == "STORE_AUTH", doc
        assert "AWS_SECRET_ACCESS_KEY" in json.dumps(doc) and bad["AWS_SECRET_ACCESS_KEY"] not in err + json.dumps(doc)
        code, doc, err = aqe.json("artifacts", "delete", "s3-run", env=env)
        assert code == 0, err
        assert not any(k.startswith("ci/aqe/release/release%2F1.0/s3-run/") for k in server_state(endpoint)["objects"])


def test_sync_rebuilds_the_index_from_the_manifests(aqe, project):
    suite(project)
    code, doc, err = aqe.json("execute", "tests/", "--store-artifacts", "--artifact-key", "a1", env=GITLAB)
    assert code == 0, err
    backend = aqe.json("artifacts", "list")[1]["data"]["backend"]
    db = sqlite3.connect(project / ".aqe" / "aqe.db")
    db.execute("DELETE FROM artifacts")
    db.execute("INSERT INTO artifacts (key, backend, created_at) VALUES ('gone', ?, '2020-01-01T00:00:00Z')",
               (backend,))
    db.execute("INSERT INTO artifacts (key, backend, created_at) VALUES ('elsewhere', 's3://other', "
               "'2020-01-01T00:00:00Z')")
    db.commit()
    db.close()
    code, doc, err = aqe.json("artifacts", "sync")
    assert code == 0, err
    assert doc["data"] == {"backend": backend, "indexed": 1, "removed": ["gone"]}
    assert [r[0] for r in artifact_rows(project)] == ["elsewhere", "a1"]


def test_prune_applies_retention_and_lifecycle_prints_the_rules(aqe, project):
    suite(project)
    (project / "config").mkdir()
    (project / "config" / "storage.json").write_text(
        json.dumps({"retention": {"keep_latest_n": 1, "feature_branches": 7, "main_branch": 0}}))
    for key in ("k1", "k2", "k3"):
        code, doc, err = aqe.json("execute", "tests/", "--store-artifacts", "--artifact-key", key, env=GITLAB)
        assert code == 0, err
    listed = {a["key"]: a for a in aqe.json("artifacts", "list")[1]["data"]["artifacts"]}
    assert {a["class"] for a in listed.values()} == {"feature"}
    # Backdate k1 past the feature limit and k2 within it (the manifest is the artifact's record).
    for key, days in (("k1", 10), ("k2", 3)):
        path = project / ".aqe" / "artifacts" / "feature" / "feature%2Fx" / key / "manifest.json"
        m = json.loads(path.read_text())
        m["created_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - days * 86400 - 60))
        path.write_text(json.dumps(m))

    code, doc, err = aqe.json("artifacts", "prune", "--dry-run")
    assert code == 0, err
    assert [a["key"] for a in doc["data"]["removed"]] == ["k1"] and doc["data"]["kept"] == 2
    assert "10 days old, retention.feature_branches is 7" in doc["data"]["removed"][0]["reason"]
    assert len(aqe.json("artifacts", "list")[1]["data"]["artifacts"]) == 3
    p = aqe.run("artifacts", "prune")
    assert p.returncode == 0, p.stderr
    assert "removed k1 (class feature: 10 days old" in p.stdout
    assert sorted(a["key"] for a in aqe.json("artifacts", "list")[1]["data"]["artifacts"]) == ["k2", "k3"]
    assert sorted(r[0] for r in artifact_rows(project)) == ["k2", "k3"]

    code, doc, err = aqe.json("artifacts", "lifecycle")
    assert code == 0, err
    rules = {r["ID"]: r for r in doc["data"]["Rules"]}
    assert rules["aqe-feature"]["Filter"]["Prefix"] == "feature/" and rules["aqe-feature"]["Expiration"]["Days"] == 7
    assert "aqe-main" not in rules  # 0 days: no age limit
    assert rules["aqe-abort-incomplete-multipart-uploads"]["AbortIncompleteMultipartUpload"] == {
        "DaysAfterInitiation": 1}


def list_one(aqe, key, env=None):
    code, doc, err = aqe.json("artifacts", "list", env=env)
    assert code == 0, err
    [a] = [a for a in doc["data"]["artifacts"] if a["key"] == key]
    return a


def test_report_generate_stores_the_files_it_wrote_or_printed(aqe, project):
    suite(project)
    # Nothing recorded yet: the report fails as before and nothing is stored.
    code, doc, err = aqe.json("report", "generate", "--format", "json", "--store-artifacts", env=GITLAB)
    assert code == 3 and doc["errors"][0]["code"] == "NO_DATA", doc
    assert any("produced nothing to store" in w for w in doc["warnings"]), doc
    code, doc, err = aqe.json("execute", "tests/", env=GITLAB)
    assert code == 0, err
    code, doc, _ = aqe.json("report", "generate", "--format", "json", "--overwrite", env=GITLAB)
    assert code == 3 and "--store-artifacts" in doc["errors"][0]["message"], doc

    code, doc, err = aqe.json("report", "generate", "--format", "markdown", "--output", "out/report.md",
                              "--store-artifacts", "--artifact-key", "rep-md",
                              "--metadata", '{"pipeline": "$PIPE"}', env=dict(GITLAB, PIPE="p-9"))
    assert code == 0, err
    assert doc["data"]["artifact_key"] == "rep-md"
    a = list_one(aqe, "rep-md")
    assert [f["name"] for f in a["files"]] == ["report.md"]
    assert a["metadata"]["command"] == "report generate" and a["metadata"]["pipeline"] == "p-9"
    assert a["branch"] == "feature/x" and a["commit"] == SHA
    code, doc, err = aqe.json("artifacts", "get", "rep-md", "--output", "fetched-md")
    assert code == 0, err
    assert (project / "fetched-md" / "report.md").read_bytes() == (project / "out" / "report.md").read_bytes()
    assert "rep-md" in [r[0] for r in artifact_rows(project)]

    # Printed to stdout: the document itself is stored.
    p = aqe.run("report", "generate", "--format", "json", "--store-artifacts", env=GITLAB)
    assert p.returncode == 0, p.stderr
    document = json.loads(p.stdout[:p.stdout.index("Artifact stored: ")])
    key = p.stdout.split("Artifact stored: ")[1].split(" ")[0]
    assert key.startswith("report-generate-") and key.endswith("-" + SHA[:12]), key
    assert [f["name"] for f in list_one(aqe, key)["files"]] == ["report.json"]
    code, doc, err = aqe.json("artifacts", "get", key, "--output", "fetched-json")
    assert code == 0, err
    assert json.loads((project / "fetched-json" / "report.json").read_text()) == document

    # The same key is refused (the report is still written), --overwrite replaces it.
    code, doc, err = aqe.json("report", "generate", "--format", "html", "--output", "r.html",
                              "--store-artifacts", "--artifact-key", "rep-md", env=GITLAB)
    assert code == 3 and doc["errors"][0]["code"] == "STORE_EXISTS", doc
    assert (project / "r.html").exists()
    code, doc, err = aqe.json("report", "generate", "--format", "html", "--output", "r.html",
                              "--store-artifacts", "--artifact-key", "rep-md", "--overwrite", env=GITLAB)
    assert code == 0, err
    assert [f["name"] for f in list_one(aqe, "rep-md")["files"]] == ["r.html"]


def test_report_generate_stores_to_s3(aqe, project):
    suite(project)
    (project / "config").mkdir()
    env = dict(GITLAB, **s3_env())
    code, doc, err = aqe.json("execute", "tests/", env=env)
    assert code == 0, err
    with fault_server() as endpoint:
        (project / "config" / "storage.json").write_text(s3_storage_json(endpoint))
        code, doc, err = aqe.json("report", "generate", "--format", "junit", "--output", "r.xml",
                                  "--store-artifacts", "--artifact-key", "rep-s3", env=env)
        assert code == 0, err
        objects = server_state(endpoint)["objects"]
        assert "ci/aqe/feature/feature%2Fx/rep-s3/manifest.json" in objects, objects
        code, doc, err = aqe.json("artifacts", "get", "rep-s3", "--output", "out", env=env)
        assert code == 0, err
        assert sorted(os.listdir(project / "out")) == ["r.xml"]
        assert (project / "out" / "r.xml").read_bytes() == (project / "r.xml").read_bytes()


def test_security_scan_stores_its_sarif_and_its_part_of_the_log(aqe, project):
    key = "ghp_" + "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5"
    (project / "settings.py").write_text(f'TOKEN = "{key}"\n')
    log = project / "aqe.log"
    log.write_text("an earlier command's line\n")
    env = dict(GITLAB, QE_LOG_FILE=str(log))
    code, doc, err = aqe.json("security-scan", ".", "--store-artifacts", "--artifact-key", "scan-1", env=env)
    assert code == 0, err
    a = list_one(aqe, "scan-1")
    assert a["class"] == "security"
    assert sorted(f["name"] for f in a["files"]) == ["aqe.log", "run.json", "scan.sarif"]
    code, _, err = aqe.json("artifacts", "get", "scan-1", "--output", "got")
    assert code == 0, err
    sarif = json.loads((project / "got" / "scan.sarif").read_text())
    results = sarif["runs"][0]["results"]
    assert results and all(key not in json.dumps(r) for r in results)
    assert any("settings.py" in json.dumps(r) for r in results)
    stored_log = (project / "got" / "aqe.log").read_text()
    assert "security-scan" in stored_log and "an earlier command's line" not in stored_log
    assert key not in stored_log


def test_pull_request_and_pipeline_ids_come_from_the_ci(aqe, project):
    suite(project)
    github = {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_REF": "refs/pull/42/merge", "GITHUB_HEAD_REF": "feature/y",
              "GITHUB_BASE_REF": "main", "GITHUB_SHA": SHA, "GITHUB_RUN_ID": "987654", "QE_PYTHON": SYSTEM_PYTHON}
    code, doc, err = aqe.json("execute", "tests/", "--store-artifacts", "--artifact-key", "gh", env=github)
    assert code == 0, err
    m = list_one(aqe, "gh")["metadata"]
    assert m["pull_request"] == "42" and m["pipeline_id"] == "987654" and m["branch"] == "feature/y"
    gitlab = dict(GITLAB, CI_MERGE_REQUEST_IID="13", CI_PIPELINE_ID="4401",
                  CI_MERGE_REQUEST_SOURCE_BRANCH_NAME="feature/x")
    code, doc, err = aqe.json("execute", "tests/", "--store-artifacts", "--artifact-key", "gl",
                              "--metadata", '{"pipeline_id": "given"}', env=gitlab)
    assert code == 0, err
    m = list_one(aqe, "gl")["metadata"]
    assert m["pull_request"] == "13" and m["pipeline_id"] == "given"
    # A push build: no pull request to name.
    code, doc, err = aqe.json("execute", "tests/", "--store-artifacts", "--artifact-key", "push",
                              env=dict(GITLAB, CI_PIPELINE_ID="4402"))
    assert code == 0, err
    m = list_one(aqe, "push")["metadata"]
    assert "pull_request" not in m and m["pipeline_id"] == "4402"


def test_fresh_runner_shards_balance_with_the_base_branchs_stored_durations(aqe, project, tmp_path):
    """A run on main stores its durations; a fresh runner (another state dir) of a merge request
    into main splits its shards by them: the long test alone on one shard."""
    (project / "tests").mkdir()
    body = ["import time\n\n\ndef test_long():\n    time.sleep(1.5)\n"]
    body += [f"def test_s{i}():\n    time.sleep(0.05)\n" for i in range(6)]
    (project / "tests" / "test_t.py").write_text("\n\n".join(body))
    suite_ids = {"tests/test_t.py::test_long"} | {f"tests/test_t.py::test_s{i}" for i in range(6)}
    (project / "config").mkdir()
    (project / "config" / "storage.json").write_text(json.dumps({"local": {"path": str(tmp_path / "store")}}))
    fresh = dict(GITLAB, QE_STATE_DIR=str(tmp_path / "fresh"), CI_MERGE_REQUEST_IID="5",
                 CI_MERGE_REQUEST_SOURCE_BRANCH_NAME="feature/z", CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main",
                 CI_COMMIT_SHA="f" * 40)

    def shards(env):
        got = []
        for i in (1, 2):
            code, doc, err = aqe.json("execute", "tests", "--shard", f"{i}/2", env=env)
            assert code == 0, err
            got.append(doc)
        return got

    def ids(doc):
        import xml.etree.ElementTree as ET
        return [f"{tc.get('classname').replace('.', '/')}.py::{tc.get('name')}"
                for tc in ET.parse(doc["data"]["junit_xml"]).iter("testcase")]

    # Nothing stored yet: no durations anywhere, every test weighs the same.
    unweighted = shards(dict(fresh, QE_STATE_DIR=str(tmp_path / "empty")))
    for doc in unweighted:
        assert doc["data"]["shard"]["durations_from"] is None
    # ... which does not put the long test alone (what the durations change below).
    assert all(len(ids(d)) > 1 for d in unweighted), [ids(d) for d in unweighted]

    main = dict(GITLAB, CI_COMMIT_BRANCH="main", QE_STATE_DIR=str(tmp_path / "main-runner"))
    code, doc, err = aqe.json("execute", "tests", "--store-artifacts", "--artifact-key", "main-1", env=main)
    assert code == 0, err
    a = list_one(aqe, "main-1", env=main)
    assert "durations.json" in [f["name"] for f in a["files"]] and a["branch"] == "main"

    docs = shards(fresh)
    for doc in docs:
        assert doc["data"]["shard"]["durations_from"] == {
            "source": "artifact", "artifact_key": "main-1", "branch": "main", "commit": SHA,
            "run_id": a["metadata"]["run_id"]}, doc["data"]["shard"]
    parts = [ids(d) for d in docs]
    seen = parts[0] + parts[1]
    assert len(seen) == len(set(seen)) and set(seen) == suite_ids, parts
    long_part = next(p for p in parts if "tests/test_t.py::test_long" in p)
    assert long_part == ["tests/test_t.py::test_long"], parts


def fetch(aqe, key, dest, env=None):
    code, doc, err = aqe.json("artifacts", "get", key, "--output", dest, env=env)
    assert code == 0, err
    assert doc["data"]["verified"] is True
    return aqe.cwd / dest


def test_generate_stores_its_run_record(aqe, project):
    (project / "calc.py").write_text("def clamp(x, lo, hi):\n    if x < lo:\n        return lo\n"
                                     "    if x > hi:\n        return hi\n    return x\n")
    code, doc, err = aqe.json("generate", "calc.py", "--time-budget", "3", "--python", SYSTEM_PYTHON,
                              "--store-artifacts", "--artifact-key", "gen-1", env=GITLAB, timeout=300)
    assert code == 0, err
    assert doc["data"]["artifact_key"] == "gen-1"
    a = list_one(aqe, "gen-1")
    assert [f["name"] for f in a["files"]] == ["run.json"]
    assert a["metadata"]["command"] == "generate" and a["branch"] == "feature/x" and a["class"] == "feature"
    run = json.loads((fetch(aqe, "gen-1", "got") / "run.json").read_text())
    assert run["command"] == "generate" and run["status"] == "success" and run["commit"] == SHA
    assert run["id"] == a["metadata"]["run_id"]
    assert run["summary"]["kind"] == "generate"
    assert run["summary"]["tests_generated"] == doc["data"]["tests_generated"] > 0
    assert run["summary"]["test_files"], run["summary"]


def test_quality_gate_stores_its_verdict(aqe, project):
    suite(project)
    code, doc, err = aqe.json("execute", "tests/", env=GITLAB)
    assert code == 0, err
    code, doc, err = aqe.json("quality-gate", "--threshold", "0", "--store-artifacts", "--artifact-key", "gate-1",
                              env=GITLAB)
    assert code == 0, err
    assert doc["data"]["artifact_key"] == "gate-1"
    a = list_one(aqe, "gate-1")
    assert [f["name"] for f in a["files"]] == ["run.json"]
    assert a["metadata"]["command"] == "quality-gate"
    run = json.loads((fetch(aqe, "gate-1", "got") / "run.json").read_text())
    assert run["command"] == "quality-gate" and run["status"] == "success"
    s = run["summary"]
    assert s["kind"] == "quality-gate" and s["passed"] is True and s["threshold"] == 0
    assert round(s["score"], 2) == doc["data"]["score"]
    assert any(c["metric"] == "score" for c in s["conditions"]), s
    # A failing gate still stores its verdict; the gate's own exit code stands.
    (project / "tests" / "test_bad.py").write_text("def test_bad():\n    assert False\n")
    code, doc, err = aqe.json("execute", "tests/", env=GITLAB)
    assert code == 1, err
    code, doc, err = aqe.json("quality-gate", "--threshold", "100", "--fail-on-error", "--store-artifacts",
                              "--artifact-key", "gate-2", env=GITLAB)
    assert code == 2, err  # the gate failed, --fail-on-error
    assert doc["data"]["artifact_key"] == "gate-2"
    run = json.loads((fetch(aqe, "gate-2", "got2") / "run.json").read_text())
    assert run["summary"]["passed"] is False and run["exit_code"] == 2, run
    assert round(run["summary"]["score"], 2) == doc["data"]["score"] < 100


def test_execute_with_coverage_stores_coverage_json(aqe, project):
    (project / "calc.py").write_text("def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n")
    (project / "tests").mkdir()
    (project / "tests" / "test_calc.py").write_text("from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n")
    code, doc, err = aqe.json("execute", "tests/", "--coverage", "--store-artifacts", "--artifact-key", "cov-1",
                              env=GITLAB, timeout=300)
    assert code == 0, err
    names = [f["name"] for f in list_one(aqe, "cov-1")["files"]]
    assert "coverage.json" in names and "run.json" in names, names
    got = fetch(aqe, "cov-1", "got")
    report = json.loads((got / "coverage.json").read_text())
    assert "calc.py" in report["files"], report["files"].keys()
    assert report["files"]["calc.py"]["summary"]["missing_lines"] == 1
    run = json.loads((got / "run.json").read_text())
    assert (got / "coverage.json").read_bytes() == open(run["summary"]["coverage_json"], "rb").read()


def storage_config(project, doc):
    (project / "config").mkdir(exist_ok=True)
    (project / "config" / "storage.json").write_text(json.dumps(doc))
    return project / "config" / "storage.json"


def stored_objects(project, key):
    """The stored objects of the artifact (names relative to its directory), local backend."""
    [d] = [p for p in (project / ".aqe" / "artifacts").glob(f"*/*/{key}")]
    return sorted(str(p.relative_to(d)).split("/", 1)[-1] for p in d.rglob("*") if p.is_file()
                  and p.name != "manifest.json"), json.loads((d / "manifest.json").read_text())


def test_compression_from_config_round_trips_and_a_bad_level_is_exit_3(aqe, project):
    suite(project)
    for algorithm, level, suffix in (("gzip", 9, ".gz"), ("none", 0, ""), ("zstd", 19, ".zst")):
        storage_config(project, {"compression": {"algorithm": algorithm, "level": level}})
        key = "c-" + algorithm
        code, doc, err = aqe.json("execute", "tests/", "--store-artifacts", "--artifact-key", key, env=GITLAB)
        assert code == 0, err
        objects, manifest = stored_objects(project, key)
        assert manifest["compression"] == {"algorithm": algorithm, "level": level}
        assert objects == sorted(n + suffix for n in ("durations.json", "junit.xml", "run.json")), objects
        if algorithm == "gzip":
            [junit] = [p for p in (project / ".aqe" / "artifacts").rglob("junit.xml.gz")]
            assert junit.read_bytes()[:2] == b"\x1f\x8b"  # a gzip member
        got = fetch(aqe, key, "got-" + algorithm)
        run = json.loads((got / "run.json").read_text())
        assert (got / "junit.xml").read_bytes() == (
            project / ".aqe" / "runs" / str(run["id"]) / "junit.xml").read_bytes()

    for algorithm, level in (("gzip", 10), ("zstd", 20)):
        path = storage_config(project, {"compression": {"algorithm": algorithm, "level": level}})
        code, doc, err = aqe.json("execute", "tests/", "--store-artifacts", "--artifact-key", "bad-" + algorithm,
                                  env=GITLAB)
        assert code == 3, err
        msg = doc["errors"][0]["message"]
        assert "storage.json" in msg and "storage.compression.level" in msg and str(level) in msg, msg
        assert doc["data"]["passed"] == 2  # the run's own result stands
    storage_config(project, {})
    assert "bad-gzip" not in [a["key"] for a in aqe.json("artifacts", "list")[1]["data"]["artifacts"]]


def backdate(manifest_text, days):
    m = json.loads(manifest_text)
    m["created_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - days * 86400 - 60))
    return json.dumps(m)


def test_prune_against_s3_removes_every_object_of_the_expired_artifact(aqe, project):
    suite(project)
    env = dict(GITLAB, **s3_env())
    with fault_server() as endpoint:
        storage_config(project, json.loads(s3_storage_json(
            endpoint, retention={"keep_latest_n": 1, "feature_branches": 7})))
        for key in ("k1", "k2", "k3"):
            code, doc, err = aqe.json("execute", "tests/", "--store-artifacts", "--artifact-key", key, env=env)
            assert code == 0, err
        base = "ci/aqe/feature/feature%2Fx/"
        for key, days in (("k1", 10), ("k2", 3)):
            manifest = base + key + "/manifest.json"
            write_object(endpoint, manifest, backdate(read_object(endpoint, manifest), days))
        before = server_state(endpoint)["objects"]
        assert len([k for k in before if k.startswith(base + "k1/")]) == 4, before  # 3 files + manifest

        code, doc, err = aqe.json("artifacts", "prune", "--dry-run", env=env)
        assert code == 0, err
        assert [a["key"] for a in doc["data"]["removed"]] == ["k1"] and doc["data"]["kept"] == 2
        assert server_state(endpoint)["objects"] == before

        p = aqe.run("artifacts", "prune", env=env)
        assert p.returncode == 0, p.stderr
        assert "removed k1 (class feature: 10 days old, retention.feature_branches is 7" in p.stdout, p.stdout
        after = server_state(endpoint)["objects"]
        assert not [k for k in after if k.startswith(base + "k1/")], after
        assert sorted(k for k in after if k.endswith("manifest.json")) == [
            base + "k2/manifest.json", base + "k3/manifest.json"]
        keys = [a["key"] for a in aqe.json("artifacts", "list", env=env)[1]["data"]["artifacts"]]
        assert sorted(keys) == ["k2", "k3"]
        assert sorted(r[0] for r in artifact_rows(project)) == ["k2", "k3"]


def manifests(endpoint):
    return sorted(k for k in server_state(endpoint)["objects"] if k.endswith("/manifest.json"))


def test_s3_retries_exhausted_is_exit_4_with_no_manifest_then_a_later_run_stores_it(aqe, project):
    suite(project)
    env = dict(GITLAB, **s3_env())
    with fault_server() as endpoint:
        storage_config(project, json.loads(s3_storage_json(endpoint)))
        inject(endpoint, method="PUT", path_contains="manifest.json", kind="error500", times=3)
        code, doc, err = aqe.json("execute", "tests/", "--store-artifacts", "--artifact-key", "r-1", env=env)
        assert code == 4, err
        assert doc["errors"][0]["code"] == "STORE_TRANSIENT", doc
        assert "3 attempts" in doc["errors"][0]["message"], doc["errors"][0]
        assert doc["data"]["passed"] == 2 and doc["data"]["artifact_key"] is None
        assert manifests(endpoint) == []
        assert server_state(endpoint)["objects"] == {}, "the files uploaded before the manifest were removed"
        assert aqe.json("artifacts", "list", env=env)[1]["data"]["artifacts"] == []
        assert artifact_rows(project) == []

        code, doc, err = aqe.json("execute", "tests/", "--store-artifacts", "--artifact-key", "r-1", env=env)
        assert code == 0, err
        assert manifests(endpoint) == ["ci/aqe/feature/feature%2Fx/r-1/manifest.json"]
        assert [a["key"] for a in aqe.json("artifacts", "list", env=env)[1]["data"]["artifacts"]] == ["r-1"]


def start_aqe(aqe, *args, env):
    e = {k: v for k, v in os.environ.items()
         if not k.startswith("QE_") and k not in ("CI", "GITHUB_ACTIONS", "GITLAB_CI")}
    e.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    e.update(env)
    return subprocess.Popen([aqe.binary, "--json", *args], cwd=aqe.cwd, env=e, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(proc, timeout=120):
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, (json.loads(out) if out.strip() else None), err


def wait_for_request(endpoint, method, contains, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(r["method"] == method and contains in r["path"] for r in server_state(endpoint)["log"]):
            return
        time.sleep(0.05)
    raise AssertionError(f"no {method} *{contains}* within {timeout} s")


def test_sigint_during_the_upload_leaves_no_visible_artifact_and_a_retry_stores_it(aqe, project):
    suite(project)
    env = dict(GITLAB, **s3_env())
    with fault_server() as endpoint:
        storage_config(project, json.loads(s3_storage_json(endpoint)))
        inject(endpoint, method="PUT", path_contains="manifest.json", kind="stall", seconds=60)
        proc = start_aqe(aqe, "execute", "tests/", "--store-artifacts", "--artifact-key", "int-1", env=env)
        try:
            wait_for_request(endpoint, "PUT", "manifest.json")
            time.sleep(0.3)
            proc.send_signal(signal.SIGINT)
            code, doc, err = finish(proc, timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert code == 130, err
        assert doc["errors"][0]["code"] == "STORE_INTERRUPTED", doc
        assert manifests(endpoint) == []
        assert aqe.json("artifacts", "list", env=env)[1]["data"]["artifacts"] == []

        code, doc, err = aqe.json("execute", "tests/", "--store-artifacts", "--artifact-key", "int-1", env=env)
        assert code == 0, err
        [a] = aqe.json("artifacts", "list", env=env)[1]["data"]["artifacts"]
        assert a["key"] == "int-1"


def test_two_concurrent_stores_of_different_keys_both_land(aqe, project, tmp_path):
    suite(project)
    env = dict(GITLAB, **s3_env())
    with fault_server() as endpoint:
        storage_config(project, json.loads(s3_storage_json(endpoint)))
        procs = [start_aqe(aqe, "execute", "tests/", "--store-artifacts", "--artifact-key", key,
                           env=dict(env, QE_STATE_DIR=str(tmp_path / key))) for key in ("job-a", "job-b")]
        results = [finish(p) for p in procs]
        for code, doc, err in results:
            assert code == 0, err
        assert manifests(endpoint) == ["ci/aqe/feature/feature%2Fx/job-a/manifest.json",
                                       "ci/aqe/feature/feature%2Fx/job-b/manifest.json"]
        for key in ("job-a", "job-b"):
            got = fetch(aqe, key, "got-" + key, env=env)
            assert json.loads((got / "run.json").read_text())["command"] == "execute"


def test_same_key_at_once_on_the_local_backend_one_stores_the_other_gets_exists(aqe, project, tmp_path):
    suite(project)
    procs = [start_aqe(aqe, "execute", "tests/", "--store-artifacts", "--artifact-key", "same",
                       "--metadata", json.dumps({"runner": i}),
                       env=dict(GITLAB, QE_STATE_DIR=str(tmp_path / f"runner-{i}"))) for i in (1, 2)]
    results = [finish(p) + (i,) for p, i in zip(procs, (1, 2))]
    results.sort(key=lambda r: r[0])
    assert [r[0] for r in results] == [0, 3], results
    loser = results[1][1]
    assert loser["errors"][0]["code"] == "STORE_EXISTS" and "already exists" in loser["errors"][0]["message"]
    assert loser["data"]["passed"] == 2
    [a] = aqe.json("artifacts", "list")[1]["data"]["artifacts"]
    assert a["key"] == "same" and a["metadata"]["runner"] == results[0][3]


def race_on_the_manifest(aqe, endpoint, env_a, env_b, key):
    """A's manifest PUT is held (then answered with nothing, so A retries it) while B stores the
    same key from start to end."""
    inject(endpoint, method="PUT", path_contains="manifest.json", kind="hold")
    a = start_aqe(aqe, "execute", "tests/", "--store-artifacts", "--artifact-key", key,
                  "--metadata", '{"runner": "a"}', env=env_a)
    try:
        wait_for_request(endpoint, "PUT", "manifest.json")
        b = finish(start_aqe(aqe, "execute", "tests/", "--store-artifacts", "--artifact-key", key,
                             "--metadata", '{"runner": "b"}', env=env_b))
        control(endpoint, "/__release__", {})
        return finish(a), b
    finally:
        if a.poll() is None:
            a.kill()


def test_same_key_at_once_on_s3_the_conditional_manifest_put_refuses_the_second(aqe, project, tmp_path):
    suite(project)
    env = dict(GITLAB, **s3_env())
    with fault_server() as endpoint:
        storage_config(project, json.loads(s3_storage_json(endpoint)))
        (code_a, doc_a, err_a), (code_b, doc_b, err_b) = race_on_the_manifest(
            aqe, endpoint, dict(env, QE_STATE_DIR=str(tmp_path / "a")), dict(env, QE_STATE_DIR=str(tmp_path / "b")),
            "same")
        assert code_b == 0, err_b
        # A checked before B existed: only If-None-Match on its manifest stops it.
        assert code_a == 3, err_a
        assert doc_a["errors"][0]["code"] == "STORE_EXISTS", doc_a
        assert manifests(endpoint) == ["ci/aqe/feature/feature%2Fx/same/manifest.json"]
        m = json.loads(read_object(endpoint, "ci/aqe/feature/feature%2Fx/same/manifest.json"))
        assert m["metadata"]["runner"] == "b"
        # A's files were removed: only B's upload id is left under the key.
        uploads = {k.split("/")[5] for k in server_state(endpoint)["objects"] if not k.endswith("manifest.json")}
        assert uploads == {m["files"][0]["object"].split("/")[0]}, uploads


def test_same_key_at_once_on_two_branches_is_one_artifact_not_two(aqe, project, tmp_path):
    suite(project)
    env = dict(GITLAB, **s3_env())
    with fault_server() as endpoint:
        storage_config(project, json.loads(s3_storage_json(endpoint)))
        (code_a, doc_a, err_a), (code_b, doc_b, err_b) = race_on_the_manifest(
            aqe, endpoint, dict(env, CI_COMMIT_BRANCH="feature/a", QE_STATE_DIR=str(tmp_path / "a")),
            dict(env, CI_COMMIT_BRANCH="feature/b", QE_STATE_DIR=str(tmp_path / "b")), "both")
        assert code_b == 0, err_b
        # A's manifest key (feature%2Fa/both) was free: the listing after it finds B's and backs out.
        assert code_a == 3, err_a
        e = doc_a["errors"][0]
        assert e["code"] == "STORE_EXISTS" and "feature%2Fb/both" in e["message"], e
        assert manifests(endpoint) == ["ci/aqe/feature/feature%2Fb/both/manifest.json"]
        assert not [k for k in server_state(endpoint)["objects"] if "feature%2Fa" in k]
        [a] = aqe.json("artifacts", "list", env=env)[1]["data"]["artifacts"]
        assert a["branch"] == "feature/b"
