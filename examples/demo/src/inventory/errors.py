"""Exception hierarchy: every failure the package raises on purpose derives from InventoryError."""
from __future__ import annotations


class InventoryError(Exception):
    """Base class for errors raised by the inventory package."""


class UnknownSkuError(InventoryError, KeyError):
    """A SKU was looked up that the catalogue or stock does not hold."""

    def __init__(self, sku: str) -> None:
        super().__init__(sku)
        self.sku = sku

    def __str__(self) -> str:
        return f"unknown SKU: {self.sku}"


class InsufficientStockError(InventoryError):
    """More units were requested than are available."""

    def __init__(self, sku: str, requested: int, available: int) -> None:
        super().__init__(f"{sku}: requested {requested}, only {available} available")
        self.sku = sku
        self.requested = requested
        self.available = available


class InvalidTransitionError(InventoryError):
    """An order was moved to a status its current status cannot reach."""


class ParseError(InventoryError, ValueError):
    """Text could not be parsed; carries the 1-based line number when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        self.reason = message
        super().__init__(message if line is None else f"line {line}: {message}")
