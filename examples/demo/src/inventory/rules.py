"""A tiny rule language for restocking, one rule per line::

    <TARGET> below <N> reorder <M> [max <K>]
    <TARGET> below <N> alert

TARGET is a full SKU or a prefix followed by '*' (e.g. ``WID*``). ``reorder M`` tops the
available stock up to M units, capped at K units per order when ``max`` is given.
When several rules match a SKU, the exact-SKU rule wins over a prefix rule.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from inventory.errors import ParseError
from inventory.sku import validate_sku
from inventory.stock import Inventory


class Action(Enum):
    REORDER = "reorder"
    ALERT = "alert"


@dataclass(frozen=True)
class Rule:
    target: str
    threshold: int
    action: Action
    reorder_to: int = 0
    max_units: int | None = None

    @property
    def is_prefix(self) -> bool:
        return self.target.endswith("*")

    def matches(self, sku: str) -> bool:
        if self.is_prefix:
            return sku.startswith(self.target[:-1] + "-")
        return sku == self.target


@dataclass(frozen=True)
class Suggestion:
    sku: str
    action: Action
    units: int
    rule: Rule


def _int_token(token: str, what: str, lineno: int) -> int:
    if not token.isdigit():
        raise ParseError(f"{what} must be a non-negative integer, got {token!r}", lineno)
    return int(token)


def _parse_target(token: str, lineno: int) -> str:
    if token.endswith("*"):
        prefix = token[:-1]
        if not (2 <= len(prefix) <= 4 and prefix.isalpha() and prefix.isupper()):
            raise ParseError(f"bad prefix pattern {token!r}", lineno)
        return token
    try:
        return validate_sku(token)
    except ValueError as exc:
        raise ParseError(str(exc), lineno) from exc


def parse_rule(text: str, lineno: int = 1) -> Rule:
    """Parses one rule line."""
    tokens = text.split()
    if len(tokens) < 4 or tokens[1] != "below":
        raise ParseError("expected '<TARGET> below <N> <ACTION>'", lineno)
    target = _parse_target(tokens[0], lineno)
    threshold = _int_token(tokens[2], "threshold", lineno)
    verb, args = tokens[3], tokens[4:]
    if verb == "alert":
        if args:
            raise ParseError(f"'alert' takes no arguments, got {' '.join(args)!r}", lineno)
        return Rule(target, threshold, Action.ALERT)
    if verb != "reorder":
        raise ParseError(f"unknown action {verb!r}; expected 'reorder' or 'alert'", lineno)
    if len(args) not in (1, 3):
        raise ParseError("expected 'reorder <M> [max <K>]'", lineno)
    reorder_to = _int_token(args[0], "reorder level", lineno)
    if reorder_to <= threshold:
        raise ParseError(f"reorder level {reorder_to} must exceed threshold {threshold}", lineno)
    max_units = None
    if len(args) == 3:
        if args[1] != "max":
            raise ParseError(f"expected 'max', got {args[1]!r}", lineno)
        max_units = _int_token(args[2], "max", lineno)
        if max_units == 0:
            raise ParseError("max must be at least 1", lineno)
    return Rule(target, threshold, Action.REORDER, reorder_to, max_units)


def parse_rules(text: str) -> list[Rule]:
    """Parses a rule file; '#' starts a comment. Two rules for the same target are an error."""
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        rule = parse_rule(line, lineno)
        if rule.target in seen:
            raise ParseError(f"duplicate rule for {rule.target} (first on line {seen[rule.target]})", lineno)
        seen[rule.target] = lineno
        rules.append(rule)
    return rules


def rule_for(sku: str, rules: list[Rule]) -> Rule | None:
    """The rule that governs sku: an exact rule, else the longest matching prefix rule."""
    best: Rule | None = None
    for rule in rules:
        if not rule.matches(sku):
            continue
        if not rule.is_prefix:
            return rule
        if best is None or len(rule.target) > len(best.target):
            best = rule
    return best


def evaluate(rules: list[Rule], stock: Inventory) -> list[Suggestion]:
    """Suggestions for every SKU in stock whose governing rule fires, in SKU order."""
    out: list[Suggestion] = []
    for sku in stock.skus():
        rule = rule_for(sku, rules)
        if rule is None:
            continue
        available = stock.available(sku)
        if available >= rule.threshold:
            continue
        if rule.action is Action.ALERT:
            out.append(Suggestion(sku, Action.ALERT, 0, rule))
            continue
        units = rule.reorder_to - available
        if rule.max_units is not None:
            units = min(units, rule.max_units)
        out.append(Suggestion(sku, Action.REORDER, units, rule))
    return out
