import pytest

from inventory.errors import ParseError
from inventory.order_parser import parse_order, parse_order_line

ORDER_TEXT = """\
# imported from mail 2024-03-01
customer: Ada Lovelace

WID-0042-2 x3
gad_0100_8 x1 @ 19.50   # price agreed by phone
BOOK-0001-8 X2
"""


class TestParseOrder:
    def test_reads_customer_and_items(self):
        order = parse_order(ORDER_TEXT)
        assert order.customer == "Ada Lovelace"
        assert [line.sku for line in order.lines] == ["WID-0042-2", "GAD-0100-8", "BOOK-0001-8"]
        assert order.total_quantity == 6

    def test_keeps_price_and_comment(self):
        gadget = parse_order(ORDER_TEXT).lines[1]
        assert gadget.price_cents == 1950
        assert gadget.comment == "price agreed by phone"

    def test_customer_is_optional(self):
        order = parse_order("WID-0042-2 x1\n")
        assert order.customer is None

    def test_empty_order_is_an_error(self):
        with pytest.raises(ParseError, match="no items"):
            parse_order("# nothing\n\n")

    def test_error_names_the_line(self):
        with pytest.raises(ParseError) as info:
            parse_order("customer: Bob\nWID-0042-2 x1\nWID-0042-2 three\n")
        assert info.value.line == 3
        assert str(info.value).startswith("line 3:")

@pytest.mark.parametrize(
    "text, message",
    [
        ("WID-0042-2", "expected"),
        ("WID-0042-3 x1", "check digit"),
        ("WID-0042-2 x0", "at least 1"),
        ("WID-0042-2 x1 19.50", "@ <PRICE>"),
    ],
)
def test_parse_order_line_errors(text, message):
    with pytest.raises(ParseError, match=message):
        parse_order_line(text)


def test_parse_error_is_a_value_error():
    with pytest.raises(ValueError):
        parse_order_line("nonsense")
