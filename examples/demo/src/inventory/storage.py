"""Reading and writing the catalogue (CSV) and stock levels (JSON) on disk."""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Iterable

from inventory.errors import ParseError
from inventory.models import Category, Product
from inventory.stock import Inventory

CSV_FIELDS = ("sku", "name", "price_cents", "category", "weight_grams", "tags")


def _atomic_write(path: Path, text: str) -> None:
    # Write-then-rename so a crash never leaves a truncated catalogue behind.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def products_to_csv(products: Iterable[Product]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for p in products:
        writer.writerow([p.sku, p.name, p.price_cents, p.category.value, p.weight_grams, ";".join(p.tags)])
    return buf.getvalue()


def _product_from_row(row: dict[str, str], lineno: int) -> Product:
    try:
        return Product(
            sku=row["sku"].strip(),
            name=row["name"].strip(),
            price_cents=int(row["price_cents"]),
            category=Category.parse(row.get("category") or "other"),
            weight_grams=int(row.get("weight_grams") or 0),
            tags=tuple(t for t in (row.get("tags") or "").split(";") if t),
        )
    except (ValueError, TypeError) as exc:
        raise ParseError(str(exc), lineno) from exc


def products_from_csv(text: str) -> list[Product]:
    """Parses catalogue CSV; the header must contain at least sku, name and price_cents."""
    reader = csv.DictReader(io.StringIO(text))
    missing = {"sku", "name", "price_cents"} - set(reader.fieldnames or ())
    if missing:
        raise ParseError(f"CSV header lacks {', '.join(sorted(missing))}", 1)
    products: list[Product] = []
    skus: set[str] = set()
    for row in reader:
        lineno = reader.line_num
        product = _product_from_row(row, lineno)
        if product.sku in skus:
            raise ParseError(f"duplicate SKU {product.sku}", lineno)
        skus.add(product.sku)
        products.append(product)
    return products


def save_catalogue(path: str | Path, products: Iterable[Product]) -> Path:
    path = Path(path)
    _atomic_write(path, products_to_csv(products))
    return path


def load_catalogue(path: str | Path) -> dict[str, Product]:
    """Reads a catalogue CSV into {sku: Product}; FileNotFoundError if it does not exist."""
    text = Path(path).read_text(encoding="utf-8")
    return {p.sku: p for p in products_from_csv(text)}


def save_stock(path: str | Path, stock: Inventory) -> Path:
    path = Path(path)
    doc = {"version": 1, "levels": {sku: {"on_hand": oh, "reserved": rs}
                                    for sku, (oh, rs) in stock.snapshot().items()}}
    _atomic_write(path, json.dumps(doc, indent=2, sort_keys=True) + "\n")
    return path


def load_stock(path: str | Path) -> Inventory:
    """Reads stock levels written by save_stock."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ParseError(f"invalid JSON: {exc.msg}", exc.lineno) from exc
    if not isinstance(doc, dict) or doc.get("version") != 1:
        raise ParseError("unsupported stock file: expected version 1")
    levels = doc.get("levels", {})
    if not isinstance(levels, dict):
        raise ParseError("'levels' must be an object")
    data: dict[str, tuple[int, int]] = {}
    for sku, level in levels.items():
        try:
            data[sku] = (int(level["on_hand"]), int(level.get("reserved", 0)))
        except (KeyError, TypeError, ValueError) as exc:
            raise ParseError(f"bad level for {sku}: {exc}") from exc
    return Inventory.from_snapshot(data)
