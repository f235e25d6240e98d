import pytest

from inventory.sku import check_digit, is_valid_sku, make_sku, normalize_sku, validate_sku


@pytest.mark.parametrize(
    "digits, expected",
    [("0042", 2), ("0000", 0), ("7992739871", 3)],
)
def test_check_digit(digits, expected):
    assert check_digit(digits) == expected


@pytest.mark.parametrize("bad", ["", "12a4"])
def test_check_digit_rejects_non_digits(bad):
    with pytest.raises(ValueError):
        check_digit(bad)


def test_make_sku_round_trips_through_validation():
    sku = make_sku("wid", 42)
    assert sku == "WID-0042-2"
    assert validate_sku(sku) == sku


@pytest.mark.parametrize("prefix, number", [("W", 1), ("W1D", 1), ("WID", 10000)])
def test_make_sku_rejects_bad_input(prefix, number):
    with pytest.raises(ValueError):
        make_sku(prefix, number)


@pytest.mark.parametrize(
    "sku, valid",
    [("WID-0042-2", True), ("WID-0042-3", False), ("WID-42-2", False)],
)
def test_is_valid_sku(sku, valid):
    assert is_valid_sku(sku) is valid


def test_validate_sku_names_the_expected_check_digit():
    with pytest.raises(ValueError, match="expected 2"):
        validate_sku("WID-0042-9")


@pytest.mark.parametrize("text", ["wid 0042 2", " wid_0042_2 "])
def test_normalize_sku_accepts_sloppy_spellings(text):
    assert normalize_sku(text) == "WID-0042-2"
