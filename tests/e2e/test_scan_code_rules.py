"""security-scan's code rules end to end: SARIF locations and import resolution."""

import json
import re


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
    p = aqe.run("security-scan", ".", "--format", "sarif", "--output", "rel.sarif", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    [loc] = locations(json.loads((tmp_path / "rel.sarif").read_text()))
    assert loc == {"uri": "sub%20dir/a%20b.py", "uriBaseId": "%SRCROOT%"}
