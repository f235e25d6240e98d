"""security-scan's code rules end to end: SARIF locations and import resolution."""

import json
import re
import subprocess
from pathlib import Path

MULTITOOL = (Path(__file__).resolve().parents[2] / "build/deps/npm/node_modules/@microsoft"
             / "sarif-multitool-linux/Sarif.Multitool")


def write(root, rel, text):
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


# RFC 3986 characters of a URI (anything else must be percent-encoded).
URI_CHARS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+$")


def locations(sarif):
    return [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in sarif["runs"][0]["results"]]


def test_sarif_uris_absolute_and_relative(aqe, tmp_path):
    write(tmp_path, "sub dir/a b.py", "import pickle as p\np.loads(blob)\n")
    p = aqe.run("security-scan", str(tmp_path), "--format", "sarif", "--output", str(tmp_path / "abs.sarif"))
    assert p.returncode == 0, p.stderr
    [loc] = locations(json.loads((tmp_path / "abs.sarif").read_text()))
    # An absolute scan path gives an absolute file:// URI with no base (not /abs/path + %SRCROOT%).
    assert "uriBaseId" not in loc
    assert loc["uri"].startswith("file:///") and loc["uri"].endswith("/sub%20dir/a%20b.py")
    assert URI_CHARS.match(loc["uri"])
    if MULTITOOL.exists():  # scripts/install-deps.sh installs it; the checks above run without it
        v = subprocess.run([str(MULTITOOL), "validate", str(tmp_path / "abs.sarif")], capture_output=True,
                           text=True, timeout=120)
        assert v.returncode == 0 and "error SARIF" not in v.stdout, v.stdout
    p = aqe.run("security-scan", ".", "--format", "sarif", "--output", "rel.sarif", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    [loc] = locations(json.loads((tmp_path / "rel.sarif").read_text()))
    assert loc == {"uri": "sub%20dir/a%20b.py", "uriBaseId": "%SRCROOT%"}


KEY = "ghp_" + "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5"
CODE = f'import pickle\nobj = pickle.loads(blob)\nk = "{KEY}"\n'


def by_file(doc):
    return {(f["file"], f["category"]): f for f in doc["data"]["findings"]}


def test_test_code_is_marked_downgraded_or_excluded(aqe, tmp_path):
    for rel in ("app/core.py", "tests/unit/helpers.py", "pkg/test_core.py", "qa/checks.py"):
        write(tmp_path, rel, CODE)
    write(tmp_path, "config/qe-fleet.json", json.dumps({"project": {"test_dirs": ["qa"]}}))
    code, doc, _ = aqe.json("security-scan", ".", "--fail-on", "critical", cwd=tmp_path)
    assert code == 1  # the secrets (critical) in test files still fail the scan
    f = by_file(doc)
    assert f[("app/core.py", "code")]["test_code"] is False
    assert f[("app/core.py", "code")]["severity"] == "medium"
    for rel in ("tests/unit/helpers.py", "pkg/test_core.py", "qa/checks.py"):
        assert f[(rel, "code")]["test_code"] is True, rel
        assert f[(rel, "code")]["severity"] == "low", rel  # one level down
        assert f[(rel, "secret")]["severity"] == f[("app/core.py", "secret")]["severity"], rel
    text = aqe.run("security-scan", ".", cwd=tmp_path).stdout
    assert "tests/unit/helpers.py  (test code)" in text and "app/core.py  (test code)" not in text
    code, doc, _ = aqe.json("security-scan", ".", "--exclude-tests", cwd=tmp_path)
    kept = {(x["file"], x["category"]) for x in doc["data"]["findings"]}
    assert ("app/core.py", "code") in kept and ("tests/unit/helpers.py", "code") not in kept
    assert ("tests/unit/helpers.py", "secret") in kept  # a real key in a fixture is still a leak
    p = aqe.run("security-scan", ".", "--format", "sarif", "--output", "s.sarif", cwd=tmp_path)
    results = json.loads((tmp_path / "s.sarif").read_text())["runs"][0]["results"]
    marks = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r["properties"]["testCode"]
             for r in results}
    assert marks["app/core.py"] is False and marks["pkg/test_core.py"] is True
