import pytest

from inventory.errors import InsufficientStockError, UnknownSkuError
from inventory.stock import Inventory

WIDGET, GADGET, BOOK, TEA = "WID-0042-2", "GAD-0100-8", "BOOK-0001-8", "TEA-0005-9"


def test_receive_accumulates():
    inv = Inventory()
    assert inv.receive(WIDGET, 3) == 3
    assert inv.receive(WIDGET, 4) == 7
    assert WIDGET in inv and len(inv) == 1


def test_receive_rejects_malformed_sku():
    with pytest.raises(ValueError):
        Inventory().receive("WIDGET", 1)


@pytest.mark.parametrize("quantity, error", [(0, ValueError), (1.5, TypeError)])
def test_quantity_must_be_positive_int(stock, quantity, error):
    with pytest.raises(error):
        stock.reserve(WIDGET, quantity)


def test_reserve_reduces_available_but_not_on_hand(stock):
    stock.reserve(GADGET, 2)
    assert stock.available(GADGET) == 3
    assert stock.on_hand(GADGET) == 5


def test_reserve_more_than_available(stock):
    with pytest.raises(InsufficientStockError) as info:
        stock.reserve(TEA, 4)
    assert (info.value.requested, info.value.available) == (4, 3)
    assert stock.available(TEA) == 3


def test_unknown_sku_is_a_key_error(stock):
    with pytest.raises(KeyError):
        stock.on_hand("ZZ-0000-0")
    with pytest.raises(UnknownSkuError, match="unknown SKU"):
        stock.reserve("ZZ-0000-0", 1)


def test_available_of_unknown_sku_is_zero(stock):
    assert stock.available("ZZ-0000-0") == 0


def test_ship_more_than_reserved(stock):
    stock.reserve(BOOK, 1)
    with pytest.raises(ValueError, match="only 1 reserved"):
        stock.ship(BOOK, 2)


def test_snapshot_round_trip(stock):
    stock.reserve(WIDGET, 10)
    copy = Inventory.from_snapshot(stock.snapshot())
    assert copy.snapshot() == stock.snapshot()
