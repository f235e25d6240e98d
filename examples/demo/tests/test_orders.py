import time

import pytest

from inventory.errors import InsufficientStockError, InvalidTransitionError, UnknownSkuError
from inventory.models import OrderStatus
from inventory.order_parser import OrderLine, parse_order
from inventory.orders import Order, can_transition, shipping_cents

WIDGET, GADGET, BOOK, TEA = "WID-0042-2", "GAD-0100-8", "BOOK-0001-8", "TEA-0005-9"


def make_order(catalogue, *lines, coupon=None):
    order = Order("A-1", catalogue, coupon=coupon)
    for sku, qty in lines:
        order.add_line(OrderLine(sku, qty))
    return order


@pytest.mark.parametrize(
    "current, target, allowed",
    [
        (OrderStatus.DRAFT, OrderStatus.PLACED, True),
        (OrderStatus.DRAFT, OrderStatus.PAID, False),
        (OrderStatus.PAID, OrderStatus.SHIPPED, True),
        (OrderStatus.SHIPPED, OrderStatus.CANCELLED, False),
        (OrderStatus.DELIVERED, OrderStatus.DRAFT, False),
    ],
)
def test_can_transition(current, target, allowed):
    assert can_transition(current, target) is allowed


def test_totals_include_vat_per_category(catalogue):
    order = make_order(catalogue, (WIDGET, 2), (BOOK, 1))
    totals = order.totals()
    assert totals.net_cents == 2000
    assert totals.vat_cents == 100
    assert totals.gross_cents == 2100


def test_line_price_overrides_catalogue(catalogue):
    order = Order("A-2", catalogue)
    order.add_line(OrderLine(GADGET, 1, price_cents=1000))
    assert order.totals().net_cents == 1000


def test_coupon_reduces_net_and_vat(catalogue):
    order = make_order(catalogue, (GADGET, 1), coupon="PCT10")
    totals = order.totals()
    assert totals.discount_cents == 200
    assert totals.net_cents == 1799


def test_add_line_with_unknown_sku(catalogue):
    with pytest.raises(UnknownSkuError):
        make_order(catalogue, ("ZZ-0000-0", 1))


def test_full_lifecycle_moves_stock(catalogue, stock):
    order = make_order(catalogue, (WIDGET, 10), (TEA, 3))
    order.place(stock)
    assert stock.available(TEA) == 0
    order.pay()
    order.ship(stock)
    order.deliver()
    assert order.status is OrderStatus.DELIVERED
    assert order.history == [OrderStatus.DRAFT, OrderStatus.PLACED, OrderStatus.PAID, OrderStatus.SHIPPED]
    assert stock.on_hand(WIDGET) == 90


def test_place_rolls_back_on_shortage(catalogue, stock):
    order = make_order(catalogue, (WIDGET, 10), (TEA, 4))
    with pytest.raises(InsufficientStockError):
        order.place(stock)
    assert stock.available(WIDGET) == 100
    assert order.status is OrderStatus.DRAFT


def test_cancel_after_placing_releases_stock(catalogue, stock):
    order = make_order(catalogue, (GADGET, 5))
    order.place(stock)
    order.cancel(stock)
    assert stock.available(GADGET) == 5
    assert order.status.terminal


def test_lines_are_frozen_after_placing(catalogue, stock):
    order = make_order(catalogue, (BOOK, 1))
    order.place(stock)
    with pytest.raises(InvalidTransitionError, match="frozen"):
        order.add_line(OrderLine(BOOK, 1))


def test_cannot_pay_a_draft(catalogue):
    with pytest.raises(InvalidTransitionError, match="draft to paid"):
        make_order(catalogue, (BOOK, 1)).pay()


@pytest.mark.parametrize("grams, express, fee", [(0, False, 0), (500, False, 390), (1500, True, 1180)])
def test_shipping_bands(grams, express, fee):
    assert shipping_cents(grams, express) == fee


@pytest.mark.slow
def test_bulk_import_of_many_orders(catalogue, stock):
    # Stands in for a slow batch import so that parallel runs show their speed-up.
    time.sleep(0.8)
    text = "\n".join(f"{WIDGET} x1" for _ in range(50))
    order = Order("BULK", catalogue)
    for line in parse_order(text).lines:
        order.add_line(line)
    order.place(stock)
    assert stock.available(WIDGET) == 50


@pytest.mark.slow
def test_weight_of_a_mixed_parcel(catalogue):
    time.sleep(0.6)
    order = make_order(catalogue, (WIDGET, 2), (GADGET, 1))
    assert order.total_weight_grams() == 1040
    assert shipping_cents(order.total_weight_grams()) == 590
