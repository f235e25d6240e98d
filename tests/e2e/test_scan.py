"""aqe security-scan, driven the way a pipeline does."""
import json
import os

from conftest import assert_envelope

KEY = "ghp_" + "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5"


def write(root, rel, text):
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


def test_json_contract_and_redaction(aqe, project):
    write(project, "src/app.py", f'import os\nTOKEN = "{KEY}"\nos.system(cmd)\n')
    code, doc, _ = aqe.json("security-scan", "src/")
    assert code == 0
    assert_envelope(doc, "security-scan", 0)
    data = doc["data"]
    for key in ("files_scanned", "bytes_scanned", "duration_s", "counts", "findings", "suppressed"):
        assert key in data
    assert data["files_scanned"] == 1
    assert set(data["counts"]) == {"critical", "high", "medium", "low"}
    by_rule = {f["rule_id"]: f for f in data["findings"]}
    assert set(by_rule) == {"github-pat", "py-os-system"}
    secret = by_rule["github-pat"]
    assert secret["category"] == "secret" and secret["snippet"] == "ghp_****"
    assert secret["line"] == 2 and secret["cwe"] == "CWE-798"
    assert KEY not in json.dumps(doc)
    assert by_rule["py-os-system"]["category"] == "code"


def test_fail_on_and_severity_floor(aqe, project):
    write(project, "a.py", f'import os\nos.system(cmd)\nk = "{KEY}"\n')
    code, doc, _ = aqe.json("security-scan", ".", "--fail-on", "high")
    assert code == 1 and doc["exit_code"] == 1
    code, doc, _ = aqe.json("security-scan", ".", "--severity", "critical", "--fail-on", "critical")
    assert code == 1
    assert [f["rule_id"] for f in doc["data"]["findings"]] == ["github-pat"]
    write(project, "a.py", "import os\nos.system(cmd)\n")
    code, doc, _ = aqe.json("security-scan", ".", "--fail-on", "high")
    assert code == 0


def test_baseline_reports_only_new_findings(aqe, project):
    write(project, "a.py", f'k = "{KEY}"\n')
    code, doc, _ = aqe.json("security-scan", ".", "--write-baseline", ".aqe/baseline.json")
    assert code == 0 and (project / ".aqe" / "baseline.json").exists()
    write(project, "a.py", f'\n\nimport os\nk = "{KEY}"\nos.system(cmd)\n')
    code, doc, _ = aqe.json("security-scan", "a.py", "--baseline", ".aqe/baseline.json", "--fail-on", "critical")
    assert code == 0
    assert [f["rule_id"] for f in doc["data"]["findings"]] == ["py-os-system"]


def test_sarif_output_file(aqe, project):
    write(project, "a.py", f'import subprocess\nsubprocess.run(cmd,\n    shell=True)\nk = "{KEY}"\n')
    p = aqe.run("security-scan", ".", "--format", "sarif", "--output", "scan.sarif")
    assert p.returncode == 0, p.stderr
    sarif = json.loads((project / "scan.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    ids = {r["id"] for r in run["tool"]["driver"]["rules"]}
    assert ids == {"py-subprocess-shell", "github-pat"}
    assert all(r["help"]["text"] for r in run["tool"]["driver"]["rules"])
    for res in run["results"]:
        assert res["partialFingerprints"]["aqeFingerprint/v2"]
        assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "a.py"


def test_gitignore_binary_and_suppressions(aqe, project):
    (project / ".git").mkdir()
    write(project, ".gitignore", "ignored/\n")
    write(project, "ignored/x.txt", KEY)
    (project / "blob.bin").write_bytes(b"\x00\x01" + KEY.encode())
    write(project, "ok.py", f'k = "{KEY}"  # aqe:allow\nimport os\nos.system(c)  # nosec\n')
    code, doc, _ = aqe.json("security-scan", ".")
    assert code == 0
    assert doc["data"]["findings"] == []
    assert doc["data"]["suppressed"] == 2
    assert {"file": "blob.bin", "reason": "binary"} in [
        {"file": os.path.basename(s["file"]), "reason": s["reason"]} for s in doc["data"]["skipped"]]


def test_text_output_groups_by_file(aqe, project):
    write(project, "a.py", "import os\nos.system(cmd)\n")
    write(project, "b.env", f"TOKEN={KEY}\n")
    p = aqe.run("security-scan", ".")
    assert p.returncode == 0
    assert "a.py\n  2:1  medium  py-os-system" in p.stdout
    assert "b.env\n" in p.stdout and "ghp_****" in p.stdout and KEY not in p.stdout


def test_invalid_custom_rule_is_exit_3_naming_rule(aqe, project):
    write(project, "config/qe-fleet.json",
          json.dumps({"security": {"rules": [{"id": "broken-rule", "regex": "ab[c"}]}}))
    write(project, "a.py", "x = 1\n")
    code, doc, _ = aqe.json("security-scan", ".")
    assert code == 3
    msg = doc["errors"][0]["message"]
    assert "broken-rule" in msg and "security.rules[0]" in msg


def test_missing_path_is_exit_3(aqe, project):
    code, doc, _ = aqe.json("security-scan", "nope/")
    assert code == 3


def test_hardcoded_password_is_redacted_in_every_output(aqe, project):
    import sqlite3
    write(project, "app/db.py", 'def connect(db):\n    admin_password = "letmein"\n    db_password = "Summer2024!"\n')
    code, doc, _ = aqe.json("security-scan", "app/")
    snippets = {f["rule_id"]: f["snippet"] for f in doc["data"]["findings"]}
    assert snippets == {"py-hardcoded-password": 'admin_password = "l****"', "generic-password": "Su****"}
    text = aqe.run("security-scan", "app/")
    aqe.run("security-scan", "app/", "--format", "json", "--output", "scan.json")
    aqe.run("security-scan", "app/", "--format", "sarif", "--output", "scan.sarif")
    outputs = [json.dumps(doc), text.stdout, (project / "scan.json").read_text(), (project / "scan.sarif").read_text()]
    db = sqlite3.connect(project / ".aqe" / "aqe.db")
    outputs.append(repr(db.execute("SELECT * FROM findings").fetchall()))
    db.close()
    for out in outputs:
        assert "Summer" not in out and "letmein" not in out


def test_version_one_baseline_still_matches_with_a_warning(aqe, project):
    # Written by aqe before fingerprints stopped hashing the secret (version 1).
    old = os.path.join(os.path.dirname(__file__), "..", "data", "scan", "baseline-v1.json")
    write(project, "a.py", f'k = "{KEY}"\n')
    code, doc, _ = aqe.json("security-scan", ".", "--baseline", old, "--fail-on", "high")
    assert code == 0 and doc["data"]["baselined"] == 1 and doc["data"]["findings"] == []
    assert any("version-1 fingerprints" in w for w in doc["warnings"])
    code, doc, _ = aqe.json("security-scan", ".", "--write-baseline", "b.json")
    assert json.loads((project / "b.json").read_text())["version"] == 2
    code, doc, _ = aqe.json("security-scan", ".", "--baseline", "b.json", "--fail-on", "high")
    assert code == 0 and doc["data"]["baselined"] == 1 and not doc["warnings"]


def test_keystore_files_are_named(aqe, project):
    (project / "certs").mkdir()
    (project / "certs" / "client.p12").write_bytes(b"\x30\x82\x0a\x00\x02\x01\x03" + os.urandom(64) + b"\x00")
    (project / "certs" / "release.JKS").write_bytes(b"\xfe\xed\xfe\xed\x00\x00\x00\x02" + os.urandom(32))
    (project / "certs" / "client.pem.pub").write_text("not a keystore\n")
    code, doc, _ = aqe.json("security-scan", ".")
    found = sorted(f["file"] for f in doc["data"]["findings"] if f["rule_id"] == "keystore-file")
    assert found == ["certs/client.p12", "certs/release.JKS"]
    code, doc, _ = aqe.json("security-scan", ".", "--format", "sarif", "--output", "s.sarif")
    sarif = json.loads((project / "s.sarif").read_text())
    assert "keystore-file" in {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
