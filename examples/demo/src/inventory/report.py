"""Statistics and text reports over the catalogue and stock."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from inventory.models import Category, Product
from inventory.pricing import format_cents
from inventory.stock import Inventory


def mean(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("mean of an empty sequence")
    return sum(values) / len(values)


def median(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("median of an empty sequence")
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2


def abc_class(share: float) -> str:
    """ABC analysis: 'A' for the items making up the first 80 % of value, 'B' to 95 %, else 'C'."""
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"cumulative share must be in [0, 1], got {share}")
    if share <= 0.80:
        return "A"
    if share <= 0.95:
        return "B"
    return "C"


def abc_analysis(values: dict[str, int]) -> dict[str, str]:
    """Classifies each key by its cumulative share of the total, largest value first."""
    total = sum(values.values())
    if total <= 0:
        return {key: "C" for key in values}
    result: dict[str, str] = {}
    running = 0
    for key, value in sorted(values.items(), key=lambda kv: (-kv[1], kv[0])):
        running += value
        result[key] = abc_class(min(1.0, running / total))
    return result


@dataclass(frozen=True)
class StockValue:
    sku: str
    units: int
    value_cents: int


def stock_values(catalogue: dict[str, Product], stock: Inventory) -> list[StockValue]:
    """On-hand value of each stocked SKU that the catalogue knows, most valuable first."""
    rows = []
    for sku in stock.skus():
        product = catalogue.get(sku)
        if product is None:
            continue
        units = stock.on_hand(sku)
        rows.append(StockValue(sku, units, units * product.price_cents))
    rows.sort(key=lambda r: (-r.value_cents, r.sku))
    return rows


def value_by_category(catalogue: dict[str, Product], stock: Inventory) -> dict[Category, int]:
    totals: dict[Category, int] = {}
    for row in stock_values(catalogue, stock):
        category = catalogue[row.sku].category
        totals[category] = totals.get(category, 0) + row.value_cents
    return totals


def render_stock_report(catalogue: dict[str, Product], stock: Inventory, currency: str = "EUR") -> str:
    """A fixed-width text table of stock value, with a total line."""
    rows = stock_values(catalogue, stock)
    if not rows:
        return "no stock\n"
    width = max(len(catalogue[r.sku].name) for r in rows)
    lines = [f"{'SKU':<11} {'NAME':<{width}} {'UNITS':>6} {'VALUE':>14}"]
    for r in rows:
        name = catalogue[r.sku].name
        lines.append(f"{r.sku:<11} {name:<{width}} {r.units:>6} {format_cents(r.value_cents, currency):>14}")
    total = sum(r.value_cents for r in rows)
    lines.append(f"{'TOTAL':<11} {'':<{width}} {sum(r.units for r in rows):>6} {format_cents(total, currency):>14}")
    return "\n".join(lines) + "\n"
