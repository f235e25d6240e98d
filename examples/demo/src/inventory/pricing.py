"""Pure pricing arithmetic on integer cents: VAT, volume tiers, coupons and rounding."""
from __future__ import annotations

from enum import Enum

from inventory.models import Category

# Basis points (1/100 of a percent) keep the arithmetic exact.
VAT_BASIS_POINTS: dict[Category, int] = {
    Category.FOOD: 700,
    Category.BOOKS: 0,
    Category.ELECTRONICS: 2000,
    Category.CLOTHING: 2000,
    Category.OTHER: 2000,
}

# (minimum quantity, discount in basis points), highest threshold first.
VOLUME_TIERS: tuple[tuple[int, int], ...] = ((100, 1500), (50, 1000), (10, 500))


class Rounding(Enum):
    """How a fractional cent is resolved."""

    HALF_UP = "half_up"
    HALF_EVEN = "half_even"
    DOWN = "down"


def round_cents(numerator: int, denominator: int, mode: Rounding = Rounding.HALF_UP) -> int:
    """Divides two non-negative integers and rounds the quotient to a whole cent."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    if numerator < 0:
        raise ValueError("numerator must be non-negative")
    quotient, remainder = divmod(numerator, denominator)
    if mode is Rounding.DOWN or remainder == 0:
        return quotient
    twice = remainder * 2
    if twice > denominator:
        return quotient + 1
    if twice < denominator:
        return quotient
    if mode is Rounding.HALF_EVEN:
        return quotient if quotient % 2 == 0 else quotient + 1
    return quotient + 1


def apply_basis_points(cents: int, basis_points: int, mode: Rounding = Rounding.HALF_UP) -> int:
    """Returns cents * basis_points / 10000, rounded."""
    if basis_points < 0:
        raise ValueError("basis points must be non-negative")
    return round_cents(cents * basis_points, 10_000, mode)


def vat_cents(net_cents: int, category: Category) -> int:
    """VAT owed on a net amount for the given category."""
    return apply_basis_points(net_cents, VAT_BASIS_POINTS[category])


def volume_discount_bp(quantity: int) -> int:
    """Discount in basis points earned by buying quantity units of one product."""
    if quantity <= 0:
        raise ValueError(f"quantity must be positive, got {quantity}")
    for threshold, discount in VOLUME_TIERS:
        if quantity >= threshold:
            return discount
    return 0


def line_total_cents(unit_cents: int, quantity: int) -> int:
    """Net total of one order line after the volume discount."""
    if unit_cents < 0:
        raise ValueError("unit price must be non-negative")
    gross = unit_cents * quantity
    return gross - apply_basis_points(gross, volume_discount_bp(quantity))


def parse_coupon(code: str) -> tuple[str, int]:
    """Parses a coupon code: 'PCT15' is 15 percent off, 'OFF500' is 500 cents off.

    Returns (kind, amount) where kind is 'percent' or 'fixed'.
    """
    code = code.strip().upper()
    if code.startswith("PCT"):
        kind, digits = "percent", code[3:]
    elif code.startswith("OFF"):
        kind, digits = "fixed", code[3:]
    else:
        raise ValueError(f"unknown coupon kind in {code!r}")
    if not digits.isdigit():
        raise ValueError(f"coupon amount must be digits in {code!r}")
    amount = int(digits)
    if kind == "percent" and not 1 <= amount <= 90:
        raise ValueError(f"percent coupons are 1..90, got {amount}")
    return kind, amount


def apply_coupon(total_cents: int, code: str) -> int:
    """Total after the coupon; never below zero."""
    kind, amount = parse_coupon(code)
    if kind == "percent":
        discount = apply_basis_points(total_cents, amount * 100)
    else:
        discount = amount
    return max(0, total_cents - discount)


def format_cents(cents: int, currency: str = "EUR") -> str:
    """Formats cents for display, e.g. 123456 -> 'EUR 1,234.56', -5 -> '-EUR 0.05'."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{currency} {whole:,}.{frac:02d}"


def parse_money(text: str) -> int:
    """Parses '12.5', '12.50', '1,200' or '€3' into cents."""
    cleaned = text.strip().lstrip("€$£").replace(",", "").strip()
    if not cleaned:
        raise ValueError("empty amount")
    whole, dot, frac = cleaned.partition(".")
    if not whole.isdigit() or (dot and not frac.isdigit()):
        raise ValueError(f"not an amount: {text!r}")
    if len(frac) > 2:
        raise ValueError(f"more than two decimals in {text!r}")
    return int(whole) * 100 + int(frac.ljust(2, "0") or "0")
