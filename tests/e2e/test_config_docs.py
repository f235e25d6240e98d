"""The config examples in the docs are checked by `aqe config validate`, so docs and the key
table cannot drift: an example using a key the table does not declare fails here."""
import json
import re

import pytest

from conftest import REPO

FENCED_JSON = re.compile(r"```json\n(.*?)```", re.S)
# Inline examples written as `{"metric": ...}` or `[{"metric": ...}]`.
INLINE_JSON = re.compile(r"`(\[?\{\"[^`]*\}\]?)`")


def fenced_blocks(doc):
    return [json.loads(b) for b in FENCED_JSON.findall((REPO / "docs" / doc).read_text())]


def inline_conditions(doc):
    """Inline JSON snippets that are conditions (objects with a metric), as one list."""
    out = []
    for snippet in INLINE_JSON.findall((REPO / "docs" / doc).read_text()):
        value = json.loads(snippet)
        for c in value if isinstance(value, list) else [value]:
            if isinstance(c, dict) and "metric" in c:
                out.append(c)
    return out


def examples():
    """(doc, config file the example belongs in, the example as a document of that file)."""
    cases = [("rules.md", "qe-fleet.json", b) for b in fenced_blocks("rules.md")]
    cases += [("quality-gate.md", "quality-gates.json", b) for b in fenced_blocks("quality-gate.md")]
    cases += [("quality-gate.md", "quality-gates.json", {"conditions": inline_conditions("quality-gate.md")})]
    return cases


def test_docs_have_config_examples():
    docs = [doc for doc, _, _ in examples()]
    # A docs rewrite that drops the examples (or changes their fence) must not empty this suite.
    assert docs.count("rules.md") >= 1
    assert docs.count("quality-gate.md") >= 2
    assert any("security" in ex for doc, _, ex in examples() if doc == "rules.md")
    assert len(inline_conditions("quality-gate.md")) >= 2


@pytest.mark.parametrize("doc,name,example", examples(), ids=lambda v: v if isinstance(v, str) else "")
def test_docs_example_validates(aqe, project, doc, name, example):
    (project / "config").mkdir()
    (project / "config" / name).write_text(json.dumps(example, indent=2) + "\n")
    rc, out, _ = aqe.json("config", "validate", f"config/{name}")
    assert rc == 0, f"the example in docs/{doc} does not validate: {out['errors']}"
    assert out["data"]["valid"] is True


def test_custom_rule_allowlist_reaches_the_scanner(aqe, project):
    """security.rules[].allowlist is declared because the scanner reads it: a secret it matches
    is not reported, and without it the same secret is."""
    (project / "app.py").write_text('acme_key = "ACME-1a2b3c4d5e6f7a8b"\nacme_ci = "ACME-c1c1a9e4b7d20f36"\n')
    rule = {"id": "acme-key", "severity": "high", "regex": "\\b(ACME-[0-9a-f]{16})\\b", "keywords": ["acme"]}
    (project / "config").mkdir()
    fleet = project / "config" / "qe-fleet.json"

    def acme_lines(r):
        fleet.write_text(json.dumps({"security": {"rules": [r]}}))
        rc, doc, _ = aqe.json("security-scan", "app.py", "--secrets-only")
        assert rc == 0, doc
        return sorted(f["line"] for f in doc["data"]["findings"] if f["rule_id"] == "acme-key")

    assert acme_lines(rule) == [1, 2]
    assert acme_lines({**rule, "allowlist": ["^ACME-C1C1"]}) == [1]
