import time

import pytest

from inventory.errors import ParseError
from inventory.rules import Action, Rule, evaluate, parse_rule, parse_rules, rule_for

RULES = """\
# restocking policy
WID*        below 20 reorder 100 max 60
WID-0042-2  below 5  reorder 50
TEA*        below 5  alert
"""


def test_parse_reorder_rule():
    rule = parse_rule("GAD-0100-8 below 3 reorder 10")
    assert rule == Rule("GAD-0100-8", 3, Action.REORDER, 10, None)
    assert not rule.is_prefix


def test_parse_rules_skips_comments_and_blank_lines():
    rules = parse_rules(RULES)
    assert [r.target for r in rules] == ["WID*", "WID-0042-2", "TEA*"]
    assert rules[0].max_units == 60


@pytest.mark.parametrize(
    "text, message",
    [
        ("WID* above 3 alert", "expected"),
        ("WID-0042-2 below x alert", "threshold"),
        ("WID-0042-2 below 3 restock 9", "unknown action"),
        ("WID-0042-2 below 10 reorder 5", "must exceed"),
    ],
)
def test_parse_rule_errors(text, message):
    with pytest.raises(ParseError, match=message):
        parse_rule(text)


def test_duplicate_target_names_first_line():
    with pytest.raises(ParseError, match="first on line 1"):
        parse_rules("TEA* below 1 alert\nTEA* below 2 alert\n")


def test_exact_rule_beats_prefix_rule():
    rules = parse_rules(RULES)
    assert rule_for("WID-0042-2", rules).target == "WID-0042-2"
    assert rule_for("WID-0001-8", rules).target == "WID*"
    assert rule_for("BOOK-0001-8", rules) is None


def test_evaluate_suggests_reorders_and_alerts(stock):
    stock.reserve("WID-0042-2", 97)
    suggestions = {s.sku: s for s in evaluate(parse_rules(RULES), stock)}
    assert suggestions["WID-0042-2"].units == 47
    assert suggestions["TEA-0005-9"].action is Action.ALERT
    assert "BOOK-0001-8" not in suggestions


@pytest.mark.slow
def test_prefix_rule_is_capped_by_max(stock):
    # Stands in for a slow rule-engine run over a large warehouse.
    time.sleep(0.8)
    stock.receive("WID-0001-8", 2)
    [suggestion] = [s for s in evaluate(parse_rules(RULES), stock) if s.sku == "WID-0001-8"]
    assert suggestion.units == 60


@pytest.mark.slow
def test_no_suggestions_when_all_stock_is_high(stock):
    time.sleep(0.6)
    assert evaluate(parse_rules("GAD* below 2 alert"), stock) == []
