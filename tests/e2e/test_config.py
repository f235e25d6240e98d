"""Config files: init, show (with origins), validate, and errors with file:line:column."""
import json

from conftest import assert_envelope


def test_init_writes_three_files_and_never_overwrites(aqe, project):
    rc, doc, _ = aqe.json("init")
    assert rc == 0
    assert sorted(doc["data"]["created"]) == ["config/qe-fleet.json", "config/quality-gates.json",
                                              "config/storage.json"]
    for name in ("qe-fleet.json", "quality-gates.json", "storage.json"):
        json.loads((project / "config" / name).read_text())
    (project / "config" / "qe-fleet.json").write_text('{"execute": {"retries": 7}}\n')
    rc, doc, _ = aqe.json("init")
    assert rc == 0
    assert doc["data"]["created"] == []
    assert len(doc["data"]["existing"]) == 3
    assert doc["warnings"]
    assert (project / "config" / "qe-fleet.json").read_text() == '{"execute": {"retries": 7}}\n'


def test_starter_files_validate(aqe):
    assert aqe.run("init").returncode == 0
    rc, doc, _ = aqe.json("config", "validate")
    assert rc == 0
    assert doc["data"]["valid"] is True
    assert len(doc["data"]["files"]) == 3


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
