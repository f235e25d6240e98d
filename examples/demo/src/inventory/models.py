"""Core value types: categories, order states and products."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from inventory.sku import validate_sku


class Category(Enum):
    """Product category; decides the VAT rate and whether items are perishable."""

    FOOD = "food"
    BOOKS = "books"
    ELECTRONICS = "electronics"
    CLOTHING = "clothing"
    OTHER = "other"

    @classmethod
    def parse(cls, text: str) -> "Category":
        """Returns the category named by text (case-insensitive, surrounding blanks ignored)."""
        key = text.strip().lower()
        for member in cls:
            if member.value == key:
                return member
        raise ValueError(f"unknown category: {text!r}")

    @property
    def perishable(self) -> bool:
        return self is Category.FOOD


class OrderStatus(Enum):
    """Lifecycle of an order. Terminal states accept no further transition."""

    DRAFT = "draft"
    PLACED = "placed"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in (OrderStatus.DELIVERED, OrderStatus.CANCELLED)


@dataclass(frozen=True)
class Product:
    """A catalogue entry. Prices are in integer cents to avoid float rounding."""

    sku: str
    name: str
    price_cents: int
    category: Category = Category.OTHER
    weight_grams: int = 0
    tags: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        validate_sku(self.sku)
        if not self.name.strip():
            raise ValueError("product name must not be blank")
        if self.price_cents < 0:
            raise ValueError(f"price must be >= 0, got {self.price_cents}")
        if self.weight_grams < 0:
            raise ValueError(f"weight must be >= 0, got {self.weight_grams}")

    @property
    def price(self) -> float:
        """Price in currency units, for display only."""
        return self.price_cents / 100

    def has_tag(self, tag: str) -> bool:
        return tag.lower() in (t.lower() for t in self.tags)
