"""Stock levels per SKU, with reservations for orders that are placed but not yet shipped."""
from __future__ import annotations

from dataclasses import dataclass

from inventory.errors import InsufficientStockError, UnknownSkuError
from inventory.sku import validate_sku


@dataclass
class StockLevel:
    on_hand: int = 0
    reserved: int = 0

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class Inventory:
    """On-hand and reserved units per SKU. Quantities are always positive integers."""

    def __init__(self) -> None:
        self._levels: dict[str, StockLevel] = {}

    def __contains__(self, sku: object) -> bool:
        return sku in self._levels

    def __len__(self) -> int:
        return len(self._levels)

    def skus(self) -> list[str]:
        return sorted(self._levels)

    def _level(self, sku: str) -> StockLevel:
        try:
            return self._levels[sku]
        except KeyError:
            raise UnknownSkuError(sku) from None

    @staticmethod
    def _check_quantity(quantity: int) -> None:
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            raise TypeError(f"quantity must be an int, got {type(quantity).__name__}")
        if quantity <= 0:
            raise ValueError(f"quantity must be positive, got {quantity}")

    def receive(self, sku: str, quantity: int) -> int:
        """Adds delivered units; registers the SKU on first delivery. Returns the new on-hand count."""
        validate_sku(sku)
        self._check_quantity(quantity)
        level = self._levels.setdefault(sku, StockLevel())
        level.on_hand += quantity
        return level.on_hand

    def on_hand(self, sku: str) -> int:
        return self._level(sku).on_hand

    def available(self, sku: str) -> int:
        """Units that can still be promised to a new order; 0 for an unknown SKU."""
        level = self._levels.get(sku)
        return 0 if level is None else level.available

    def reserve(self, sku: str, quantity: int) -> None:
        """Holds units for an order; fails without changing anything if too few are available."""
        self._check_quantity(quantity)
        level = self._level(sku)
        if quantity > level.available:
            raise InsufficientStockError(sku, quantity, level.available)
        level.reserved += quantity

    def release(self, sku: str, quantity: int) -> None:
        """Returns reserved units to the available pool (an order was cancelled)."""
        self._check_quantity(quantity)
        level = self._level(sku)
        if quantity > level.reserved:
            raise ValueError(f"{sku}: cannot release {quantity}, only {level.reserved} reserved")
        level.reserved -= quantity

    def ship(self, sku: str, quantity: int) -> None:
        """Removes reserved units from stock because they left the warehouse."""
        self._check_quantity(quantity)
        level = self._level(sku)
        if quantity > level.reserved:
            raise ValueError(f"{sku}: cannot ship {quantity}, only {level.reserved} reserved")
        level.reserved -= quantity
        level.on_hand -= quantity

    def write_off(self, sku: str, quantity: int) -> int:
        """Removes damaged units that are not reserved. Returns the new on-hand count."""
        self._check_quantity(quantity)
        level = self._level(sku)
        if quantity > level.available:
            raise InsufficientStockError(sku, quantity, level.available)
        level.on_hand -= quantity
        return level.on_hand

    def below(self, threshold: int) -> list[str]:
        """SKUs whose available units are strictly below threshold, lowest first."""
        low = [(lvl.available, sku) for sku, lvl in self._levels.items() if lvl.available < threshold]
        return [sku for _, sku in sorted(low)]

    def snapshot(self) -> dict[str, tuple[int, int]]:
        """Copy of all levels as {sku: (on_hand, reserved)}."""
        return {sku: (lvl.on_hand, lvl.reserved) for sku, lvl in sorted(self._levels.items())}

    @classmethod
    def from_snapshot(cls, data: dict[str, tuple[int, int]]) -> "Inventory":
        inv = cls()
        for sku, (on_hand, reserved) in data.items():
            validate_sku(sku)
            if on_hand < 0 or reserved < 0 or reserved > on_hand:
                raise ValueError(f"{sku}: inconsistent level on_hand={on_hand} reserved={reserved}")
            inv._levels[sku] = StockLevel(on_hand, reserved)
        return inv
