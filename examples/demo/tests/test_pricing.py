import pytest

from inventory.models import Category
from inventory.pricing import (
    Rounding,
    apply_coupon,
    format_cents,
    line_total_cents,
    parse_coupon,
    parse_money,
    round_cents,
    vat_cents,
    volume_discount_bp,
)


@pytest.mark.parametrize(
    "num, den, mode, expected",
    [
        (10, 4, Rounding.HALF_UP, 3),
        (10, 4, Rounding.DOWN, 2),
        (12, 4, Rounding.HALF_UP, 3),
    ],
)
def test_round_cents(num, den, mode, expected):
    assert round_cents(num, den, mode) == expected


def test_round_cents_rejects_zero_denominator():
    with pytest.raises(ValueError):
        round_cents(1, 0)


@pytest.mark.parametrize(
    "category, expected",
    [(Category.FOOD, 70), (Category.BOOKS, 0), (Category.ELECTRONICS, 200)],
)
def test_vat_by_category(category, expected):
    assert vat_cents(1000, category) == expected


@pytest.mark.parametrize("qty, bp", [(9, 0), (10, 500), (50, 1000), (100, 1500)])
def test_volume_discount_tiers(qty, bp):
    assert volume_discount_bp(qty) == bp


def test_volume_discount_rejects_zero():
    with pytest.raises(ValueError, match="positive"):
        volume_discount_bp(0)


def test_line_total_applies_volume_discount():
    assert line_total_cents(100, 5) == 500
    assert line_total_cents(100, 10) == 950


@pytest.mark.parametrize(
    "code, expected",
    [("PCT15", ("percent", 15)), (" off500 ", ("fixed", 500))],
)
def test_parse_coupon(code, expected):
    assert parse_coupon(code) == expected


@pytest.mark.parametrize("code", ["FREE", "PCT95"])
def test_parse_coupon_rejects(code):
    with pytest.raises(ValueError):
        parse_coupon(code)


def test_apply_coupon_never_goes_negative():
    assert apply_coupon(1000, "PCT10") == 900
    assert apply_coupon(300, "OFF500") == 0


@pytest.mark.parametrize(
    "cents, expected",
    [(5, "EUR 0.05"), (123456, "EUR 1,234.56"), (-5, "-EUR 0.05")],
)
def test_format_cents(cents, expected):
    assert format_cents(cents) == expected


@pytest.mark.parametrize("text, cents", [("12.5", 1250), ("1,200", 120000), ("€3", 300)])
def test_parse_money(text, cents):
    assert parse_money(text) == cents
