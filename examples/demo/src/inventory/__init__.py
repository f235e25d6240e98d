"""Inventory and order management: the example package that aqe runs on."""
from inventory.errors import (
    InventoryError,
    InsufficientStockError,
    InvalidTransitionError,
    ParseError,
    UnknownSkuError,
)
from inventory.models import Category, OrderStatus, Product

__all__ = [
    "Category",
    "InsufficientStockError",
    "InvalidTransitionError",
    "InventoryError",
    "OrderStatus",
    "ParseError",
    "Product",
    "UnknownSkuError",
]

__version__ = "0.3.0"
