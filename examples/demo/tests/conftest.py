"""Shared fixtures: a small catalogue and a stocked warehouse."""
from __future__ import annotations

import pytest

from inventory.models import Category, Product
from inventory.stock import Inventory

WIDGET = "WID-0042-2"
GADGET = "GAD-0100-8"
BOOK = "BOOK-0001-8"
TEA = "TEA-0005-9"


@pytest.fixture(scope="module")
def catalogue() -> dict[str, Product]:
    # Module-scoped: products are frozen, so sharing one catalogue per module is safe.
    products = [
        Product(WIDGET, "Widget", 250, Category.OTHER, weight_grams=120, tags=("metal",)),
        Product(GADGET, "Gadget", 1999, Category.ELECTRONICS, weight_grams=800),
        Product(BOOK, "Field Guide", 1500, Category.BOOKS, weight_grams=400),
        Product(TEA, "Green Tea", 450, Category.FOOD, weight_grams=100, tags=("organic",)),
    ]
    return {p.sku: p for p in products}


@pytest.fixture
def stock() -> Inventory:
    inv = Inventory()
    inv.receive(WIDGET, 100)
    inv.receive(GADGET, 5)
    inv.receive(BOOK, 20)
    inv.receive(TEA, 3)
    return inv
