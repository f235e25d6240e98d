"""The JSON contract of every command: the `data` fields docs/cli.md documents (and
PRODUCT.md promises) are all there, with the documented item fields, and nothing that is
not built yet pretends to be (no always-null placeholders)."""
import json
import shutil
import textwrap

from conftest import REPO, SYSTEM_PYTHON, assert_envelope

GATE_DATA = REPO / "tests" / "data" / "gate"
PY = ["--python", SYSTEM_PYTHON]


def has(d, keys, where):
    missing = [k for k in keys if k not in d]
    assert not missing, f"{where} lacks {missing}: {sorted(d)}"


def test_init_and_config_json(aqe):
    code, doc, _ = aqe.json("init")
    assert_envelope(doc, "init", 0)
    has(doc["data"], ["created", "existing", "directory"], "init")
    code, doc, _ = aqe.json("config", "show")
    assert_envelope(doc, "config show", 0)
    has(doc["data"], ["files", "values", "effective"], "config show")
    for v in doc["data"]["values"]:
        has(v, ["key", "value", "origin"], "config show values[]")
    code, doc, _ = aqe.json("config", "validate")
    assert_envelope(doc, "config validate", 0)
    has(doc["data"], ["valid", "issues", "files"], "config validate")
    for f in doc["data"]["files"]:
        has(f, ["file", "kind", "valid", "issues"], "config validate files[]")


def test_execute_json(aqe, project):
    shutil.copytree(GATE_DATA / "pyproj", project, dirs_exist_ok=True)
    (project / "tests" / "test_fail.py").write_text("def test_fails():\n    assert 1 == 2, 'nope'\n")
    code, doc, err = aqe.json("execute", "tests/", "--coverage", *PY, timeout=300)
    assert code == 1, err
    assert_envelope(doc, "execute", 1)
    d = doc["data"]
    has(d, ["framework", "tests_run", "passed", "failed", "skipped", "xfailed", "xpassed", "errors", "flaky", "not_run",
            "duration_s", "workers", "shard", "coverage", "failures", "flaky_tests", "junit_xml",
            "artifact_key"], "execute")
    assert d["artifact_key"] is None  # not asked to --store-artifacts (tests/e2e/test_artifacts.py)
    has(d["coverage"], ["line_rate", "branch_rate", "lines_covered", "lines_total", "files"], "execute coverage")
    assert d["failures"], d
    has(d["failures"][0], ["test", "file", "line", "message"], "execute failures[]")
    assert d["failed"] == 1 and d["tests_run"] == d["passed"] + d["failed"] + d["skipped"] + d["errors"] + d["flaky"]


def test_generate_json(aqe, project):
    (project / "calc.py").write_text(textwrap.dedent("""\
        def clamp(value: int, low: int = 0, high: int = 10) -> int:
            if value < low:
                return low
            if value > high:
                return high
            return value
        """))
    code, doc, err = aqe.json("generate", "calc.py", "--time-budget", "2", *PY, timeout=300)
    assert code == 0, err
    assert_envelope(doc, "generate", 0)
    d = doc["data"]
    has(d, ["files_processed", "tests_generated", "tests_discarded", "coverage_estimate", "coverage",
            "test_files", "skipped", "engine", "cost_usd", "stopped_at_target", "unfinished"], "generate")
    has(d["coverage"], ["line_rate", "branch_rate", "lines_covered", "lines_total", "measured"], "generate coverage")
    assert d["coverage"]["measured"] is True
    assert d["coverage_estimate"] == round(d["coverage"]["line_rate"] * 100, 1)


def test_security_scan_json(aqe, project):
    (project / "app.py").write_text("import subprocess\n\ndef run(c):\n    subprocess.call(c, shell=True)\n")
    code, doc, _ = aqe.json("security-scan", ".")
    assert_envelope(doc, "security-scan", 0)
    d = doc["data"]
    has(d, ["files_scanned", "bytes_scanned", "duration_s", "counts", "findings", "suppressed", "skipped"],
        "security-scan")
    has(d["counts"], ["critical", "high", "medium", "low"], "security-scan counts")
    assert d["findings"], d
    has(d["findings"][0], ["rule_id", "category", "severity", "confidence", "cwe", "file", "line", "column",
                           "message", "snippet", "fingerprint"], "security-scan findings[]")


def test_quality_gate_json(aqe, project):
    code, doc, _ = aqe.json("quality-gate", "--threshold", "10", "--junit", str(GATE_DATA / "junit-pass.xml"),
                            "--coverage", str(GATE_DATA / "coverage.json"))
    assert code == 0, doc
    assert_envelope(doc, "quality-gate", 0)
    d = doc["data"]
    has(d, ["passed", "score", "threshold", "profile", "scopes", "conditions", "metrics"], "quality-gate")
    assert d["conditions"], d
    for c in d["conditions"]:
        has(c, ["metric", "op", "threshold", "actual", "passed"], "quality-gate conditions[]")
    assert json.dumps(d)  # plain JSON all through
