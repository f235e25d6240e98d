"""Config files: init, show (with origins), validate, and errors with file:line:column."""
import json

import pytest

from conftest import assert_envelope


def test_init_writes_starters_and_never_overwrites(aqe, project):
    rc, doc, _ = aqe.json("init")
    assert rc == 0
    assert sorted(doc["data"]["created"]) == ["config/qe-fleet.json", "config/quality-gates.json",
                                              "config/storage.json"]
    storage = json.loads((project / "config" / "storage.json").read_text())
    assert storage["backend"] == "local" and storage["retention"]["keep_latest_n"] == 5
    for name in ("qe-fleet.json", "quality-gates.json"):
        json.loads((project / "config" / name).read_text())
    (project / "config" / "qe-fleet.json").write_text('{"execute": {"retries": 7}}\n')
    rc, doc, _ = aqe.json("init")
    assert rc == 0
    assert doc["data"]["created"] == []
    assert len(doc["data"]["existing"]) == 3
    assert doc["warnings"]
    assert (project / "config" / "qe-fleet.json").read_text() == '{"execute": {"retries": 7}}\n'


def test_starter_files_validate_without_warnings(aqe, project):
    assert aqe.run("init").returncode == 0
    rc, doc, _ = aqe.json("config", "validate")
    assert rc == 0
    assert doc["data"]["valid"] is True
    assert len(doc["data"]["files"]) == 3
    assert doc["warnings"] == []
    # Starters hold built keys only: no planned section such as pipeline.
    fleet = json.loads((project / "config" / "qe-fleet.json").read_text())
    assert "pipeline" not in fleet and fleet["llm"]["routing"] is False and fleet["llm"]["tiers"] == []
    assert fleet["usage"] == {"daily_limit_usd": 0, "monthly_limit_usd": 0}
    assert fleet["project"]["test_dirs"] == ["tests"]  # read by security-scan


def values(doc):
    return {v["key"]: v for v in doc["data"]["values"]}


def test_show_precedence_and_origins(aqe, project):
    (project / "config").mkdir()
    (project / "config" / "qe-fleet.json").write_text(
        '{\n  "python": {"interpreter": "/from/file"},\n  "execute": {"timeout_s": 30}\n}\n')
    rc, doc, _ = aqe.json("config", "show")
    assert rc == 0
    v = values(doc)
    assert v["python.interpreter"]["value"] == "/from/file"
    assert v["python.interpreter"]["origin"] == "config/qe-fleet.json:2:14"
    assert v["execute.retries"]["origin"] == "default"
    assert doc["data"]["effective"]["execute"]["timeout_s"] == 30
    rc, doc, _ = aqe.json("config", "show", env={"QE_PYTHON": "/from/env", "QE_EXECUTE_TIMEOUT": "12"})
    v = values(doc)
    assert v["python.interpreter"]["value"] == "/from/env"
    assert v["python.interpreter"]["origin"] == "env QE_PYTHON"
    assert v["execute.timeout_s"]["value"] == 12


def test_config_flag_and_env(aqe, project):
    (project / "ci").mkdir()
    (project / "ci" / "fleet.json").write_text('{"execute": {"retries": 3}}')
    rc, doc, _ = aqe.json("--config", "ci/fleet.json", "config", "show")
    assert rc == 0
    assert values(doc)["execute.retries"]["value"] == 3
    rc, doc, _ = aqe.json("config", "show", env={"QE_CONFIG": "ci/fleet.json"})
    assert values(doc)["execute.retries"]["value"] == 3
    rc, doc, _ = aqe.json("--config", "ci/missing.json", "config", "show")
    assert rc == 3
    assert "ci/missing.json" in doc["errors"][0]["message"]


def test_bad_config_names_location(aqe, project):
    (project / "config").mkdir()
    (project / "config" / "qe-fleet.json").write_text('{\n  "execute": {\n    "paralel": true\n  }\n}\n')
    rc, doc, _ = aqe.json("config", "show")
    assert rc == 3
    assert_envelope(doc, "config show", 3)
    err = doc["errors"][0]
    assert err["code"] == "CONFIG_UNKNOWN_KEY"
    assert err["message"].startswith("config/qe-fleet.json:3:5:")
    assert "execute.paralel" in err["message"]
    assert "did you mean 'execute.parallel'" in err["hint"]


def test_bad_json_names_position(aqe, project):
    (project / ".aqe").mkdir()
    (project / ".aqe" / "storage.json").write_text('{\n  "backend": "local"\n  "local": {}\n}\n')
    p = aqe.run("config", "validate")
    assert p.returncode == 3
    assert ".aqe/storage.json:3:3" in p.stderr
    assert "invalid JSON" in p.stderr


def test_wrong_type(aqe, project):
    (project / "config").mkdir()
    (project / "config" / "quality-gates.json").write_text('{"threshold": "high"}')
    rc, doc, _ = aqe.json("config", "validate")
    assert rc == 3
    issue = doc["data"]["files"][0]["issues"][0]
    assert issue["code"] == "CONFIG_TYPE"
    assert (issue["line"], issue["column"]) == (1, 2)


def test_secret_in_config_points_to_env(aqe, project):
    (project / "config").mkdir()
    (project / "config" / "qe-fleet.json").write_text('{"llm": {"provider": "openai", "api_key": "sk-live-123"}}')
    rc, doc, _ = aqe.json("config", "show")
    assert rc == 3
    err = doc["errors"][0]
    assert err["code"] == "CONFIG_SECRET"
    assert "OPENAI_API_KEY" in err["hint"] or "ANTHROPIC_API_KEY" in err["hint"]
    assert "sk-live-123" not in json.dumps(doc)


def test_secret_in_storage_config(aqe, project):
    (project / "config").mkdir()
    (project / "config" / "storage.json").write_text('{"s3": {"bucket": "b", "aws_secret_access_key": "x"}}')
    p = aqe.run("config", "validate")
    assert p.returncode == 3
    assert "AWS_SECRET_ACCESS_KEY" in p.stderr


def test_bad_env_value(aqe):
    rc, doc, _ = aqe.json("config", "show", env={"QE_ROUTING_ENABLED": "perhaps"})
    assert rc == 3
    assert "QE_ROUTING_ENABLED" in doc["errors"][0]["message"]


def test_threshold_out_of_range_in_file(aqe, project):
    (project / "config").mkdir()
    (project / "config" / "quality-gates.json").write_text('{\n  "threshold": 150\n}\n')
    rc, doc, _ = aqe.json("config", "validate")
    assert rc == 3
    issue = doc["data"]["files"][0]["issues"][0]
    assert issue["code"] == "CONFIG_RANGE"
    assert (issue["line"], issue["column"]) == (2, 3)
    assert issue["key"] == "threshold"
    assert doc["errors"][0]["message"].startswith("config/quality-gates.json:2:3: 'threshold' must be between 0 and 100")
    # Every command that loads the config refuses it the same way.
    rc, doc, _ = aqe.json("quality-gate")
    assert rc == 3
    assert doc["errors"][0]["code"] == "CONFIG_RANGE"
    assert "config/quality-gates.json:2:3" in doc["errors"][0]["message"]


@pytest.mark.parametrize("args,flag,bound", [
    (["quality-gate", "--threshold", "150"], "--threshold", "between 0 and 100"),
    (["execute", "--retries", "-1"], "--retries", ">= 0"),
    (["execute", "--workers", "-2"], "--workers", ">= 0"),
    (["execute", "--timeout", "-1"], "--timeout", "between 0 and 604800"),
    (["generate", "--coverage-target", "0"], "--coverage-target", "> 0 and <= 100"),
    (["generate", "--time-budget", "0"], "--time-budget", "> 0 and <= 604800"),
    (["generate", "--run-budget", "-5"], "--run-budget", "between 0 and 604800"),
])
def test_flag_out_of_range_names_flag(aqe, args, flag, bound):
    rc, doc, _ = aqe.json(*args)
    assert rc == 3
    err = doc["errors"][0]
    assert err["code"] == "USAGE"
    assert err["message"].startswith(f"{flag}: must be {bound}"), err


def test_file_range_same_as_flag(aqe, project):
    (project / "config").mkdir()
    (project / "config" / "qe-fleet.json").write_text('{"generate": {"coverage_target": 0}}')
    rc, doc, _ = aqe.json("config", "validate")
    assert rc == 3
    assert "'generate.coverage_target' must be > 0 and <= 100" in doc["errors"][0]["message"]


def test_env_out_of_range_names_variable(aqe):
    rc, doc, _ = aqe.json("config", "show", env={"QE_EXECUTE_TIMEOUT": "-5"})
    assert rc == 3
    err = doc["errors"][0]
    assert err["code"] == "CONFIG_ENV"
    assert "QE_EXECUTE_TIMEOUT='-5'" in err["message"] and "between 0 and 604800" in err["message"]


def test_planned_keys_validate_with_warning(aqe, project):
    (project / "config").mkdir()
    (project / "config" / "qe-fleet.json").write_text(
        '{\n  "execute": {"retries": 1},\n  "pipeline": {"stages": []}\n}\n')
    (project / "config" / "storage.json").write_text('{"backend": "local"}')
    rc, doc, _ = aqe.json("config", "validate")
    assert rc == 0
    assert doc["data"]["valid"] is True
    assert "config/qe-fleet.json:3:3: 'pipeline' is planned: not read by this version of aqe" in doc["warnings"]
    assert not any("storage.json" in w for w in doc["warnings"])  # every storage key is read
    by_file = {f["file"]: f for f in doc["data"]["files"]}
    w = by_file["config/qe-fleet.json"]["warnings"][0]
    assert (w["line"], w["column"], w["key"], w["code"]) == (3, 3, "pipeline", "CONFIG_PLANNED_KEY")
    # A command that loads the config carries the same warning.
    rc, doc, _ = aqe.json("config", "show")
    assert rc == 0
    assert any("'pipeline' is planned" in x for x in doc["warnings"])
    p = aqe.run("config", "validate")
    assert p.returncode == 0
    assert "config/qe-fleet.json:3:3" in p.stderr


def test_show_marks_planned_keys(aqe):
    rc, doc, _ = aqe.json("config", "show")
    assert rc == 0
    v = values(doc)
    assert v["pipeline.stages"]["status"] == "planned"
    assert v["llm.routing"]["status"] == "built"
    assert v["llm.model"]["status"] == "built"
    assert v["storage.backend"]["status"] == "built"
    assert v["storage.retention.default_days"]["status"] == "built"
    assert v["project.test_dirs"]["status"] == "built"
    assert v["execute.parallel"]["status"] == "built"
    assert set(v["execute.parallel"]) == {"key", "value", "origin", "status"}
    text = aqe.run("config", "show").stdout
    line = next(x for x in text.splitlines() if x.startswith("pipeline.stages ="))
    assert line.endswith("(planned: not read yet)")
    line = next(x for x in text.splitlines() if x.startswith("execute.retries ="))
    assert "planned" not in line


def test_routing_env_is_read_without_a_planned_warning(aqe):
    rc, doc, _ = aqe.json("config", "show", env={"QE_ROUTING_ENABLED": "true"})
    assert rc == 0
    assert values(doc)["llm.routing"]["value"] is True
    assert values(doc)["llm.routing"]["origin"] == "env QE_ROUTING_ENABLED"
    assert not any("QE_ROUTING_ENABLED" in w for w in doc["warnings"])
