import json
import time

import pytest

from inventory.errors import ParseError
from inventory.models import Category
from inventory.stock import Inventory
from inventory.storage import load_catalogue, load_stock, products_from_csv, save_catalogue, save_stock


def test_catalogue_round_trip(tmp_path, catalogue):
    path = save_catalogue(tmp_path / "data" / "catalogue.csv", catalogue.values())
    assert load_catalogue(path) == catalogue


def test_csv_defaults_for_optional_columns():
    [product] = products_from_csv("sku,name,price_cents\nBOOK-0001-8,Guide,1500\n")
    assert product.category is Category.OTHER
    assert product.tags == ()


@pytest.mark.parametrize(
    "text, message",
    [
        ("sku,name\nBOOK-0001-8,Guide\n", "lacks price_cents"),
        ("sku,name,price_cents\nBOOK-0001-8,Guide,abc\n", "line 2"),
        ("sku,name,price_cents\nBOOK-0001-8,A,1\nBOOK-0001-8,B,2\n", "duplicate SKU"),
    ],
)
def test_bad_csv(text, message):
    with pytest.raises(ParseError, match=message):
        products_from_csv(text)


def test_missing_catalogue_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_catalogue(tmp_path / "absent.csv")


def test_stock_round_trip(tmp_path, stock):
    stock.reserve("GAD-0100-8", 2)
    path = save_stock(tmp_path / "stock.json", stock)
    assert json.loads(path.read_text())["version"] == 1
    assert load_stock(path).snapshot() == stock.snapshot()


@pytest.mark.slow
def test_large_catalogue_export(tmp_path, catalogue):
    # Stands in for exporting a large catalogue to a slow network share.
    time.sleep(0.7)
    path = save_catalogue(tmp_path / "big.csv", list(catalogue.values()))
    assert path.read_text().count("\n") == len(catalogue) + 1


@pytest.mark.slow
def test_empty_stock_file(tmp_path):
    time.sleep(0.5)
    path = save_stock(tmp_path / "empty.json", Inventory())
    assert len(load_stock(path)) == 0
