"""Parser for the plain-text order format used by the shop's e-mail import.

One line per item::

    <SKU> x<QTY> [@ <PRICE>] [# comment]

Blank lines and lines starting with '#' are ignored. A header line ``customer: NAME`` may
appear once, before any item.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from inventory.errors import ParseError
from inventory.pricing import parse_money
from inventory.sku import normalize_sku


@dataclass(frozen=True)
class OrderLine:
    """One parsed item line. price_cents is None when the catalogue price applies."""

    sku: str
    quantity: int
    price_cents: int | None = None
    comment: str = ""


@dataclass
class ParsedOrder:
    customer: str | None = None
    lines: list[OrderLine] = field(default_factory=list)

    @property
    def total_quantity(self) -> int:
        return sum(line.quantity for line in self.lines)


def _parse_quantity(token: str, lineno: int) -> int:
    if not token.lower().startswith("x"):
        raise ParseError(f"expected quantity like 'x3', got {token!r}", lineno)
    digits = token[1:]
    if not digits.isdigit():
        raise ParseError(f"quantity must be a whole number, got {digits!r}", lineno)
    quantity = int(digits)
    if quantity == 0:
        raise ParseError("quantity must be at least 1", lineno)
    return quantity


def parse_order_line(text: str, lineno: int = 1) -> OrderLine:
    """Parses one item line (without the customer header)."""
    body, _, comment = text.partition("#")
    tokens = body.split()
    if len(tokens) < 2:
        raise ParseError("expected '<SKU> x<QTY>'", lineno)
    try:
        sku = normalize_sku(tokens[0])
    except ValueError as exc:
        raise ParseError(str(exc), lineno) from exc
    quantity = _parse_quantity(tokens[1], lineno)
    price: int | None = None
    rest = tokens[2:]
    if rest:
        if rest[0] != "@" or len(rest) != 2:
            raise ParseError(f"expected '@ <PRICE>' after quantity, got {' '.join(rest)!r}", lineno)
        try:
            price = parse_money(rest[1])
        except ValueError as exc:
            raise ParseError(str(exc), lineno) from exc
    return OrderLine(sku=sku, quantity=quantity, price_cents=price, comment=comment.strip())


def parse_order(text: str) -> ParsedOrder:
    """Parses a whole order document; raises ParseError naming the first bad line."""
    order = ParsedOrder()
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.lower().startswith("customer:"):
            if order.customer is not None:
                raise ParseError("customer given twice", lineno)
            if order.lines:
                raise ParseError("customer must come before the items", lineno)
            name = line.split(":", 1)[1].strip()
            if not name:
                raise ParseError("customer name is empty", lineno)
            order.customer = name
            continue
        order.lines.append(parse_order_line(line, lineno))
    if not order.lines:
        raise ParseError("order has no items")
    return order


def merge_duplicate_lines(lines: list[OrderLine]) -> list[OrderLine]:
    """Combines lines for the same SKU and price, keeping first-seen order."""
    merged: dict[tuple[str, int | None], OrderLine] = {}
    for line in lines:
        key = (line.sku, line.price_cents)
        seen = merged.get(key)
        if seen is None:
            merged[key] = line
            continue
        comment = "; ".join(c for c in (seen.comment, line.comment) if c)
        merged[key] = OrderLine(line.sku, seen.quantity + line.quantity, line.price_cents, comment)
    return list(merged.values())
