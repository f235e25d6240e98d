"""SKU format: PREFIX-NNNN-C, where C is a mod-10 check digit over the digits.

Example: ``WID-0042-2``. Prefixes are 2 to 4 upper-case letters.
"""
from __future__ import annotations

import re

_SKU_RE = re.compile(r"^([A-Z]{2,4})-(\d{4})-(\d)$")


def check_digit(digits: str) -> int:
    """Returns the Luhn-style check digit for a string of decimal digits."""
    if not digits or not digits.isdigit():
        raise ValueError(f"expected decimal digits, got {digits!r}")
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def make_sku(prefix: str, number: int) -> str:
    """Builds a valid SKU from a prefix and a number in 0..9999."""
    prefix = prefix.upper()
    if not 2 <= len(prefix) <= 4 or not prefix.isalpha():
        raise ValueError(f"prefix must be 2-4 letters, got {prefix!r}")
    if not 0 <= number <= 9999:
        raise ValueError(f"number out of range 0..9999: {number}")
    digits = f"{number:04d}"
    return f"{prefix}-{digits}-{check_digit(digits)}"


def is_valid_sku(sku: str) -> bool:
    """True when sku has the right shape and check digit."""
    match = _SKU_RE.match(sku)
    if match is None:
        return False
    return check_digit(match.group(2)) == int(match.group(3))


def validate_sku(sku: str) -> str:
    """Returns sku unchanged, or raises ValueError saying what is wrong with it."""
    match = _SKU_RE.match(sku)
    if match is None:
        raise ValueError(f"malformed SKU {sku!r}: expected PREFIX-NNNN-C")
    expected = check_digit(match.group(2))
    if expected != int(match.group(3)):
        raise ValueError(f"bad check digit in {sku!r}: expected {expected}")
    return sku


def normalize_sku(text: str) -> str:
    """Accepts common sloppy spellings ('wid 0042 6', 'wid_0042_6') and returns the canonical SKU."""
    cleaned = re.sub(r"[\s_./]+", "-", text.strip().upper())
    cleaned = re.sub(r"-{2,}", "-", cleaned)
    return validate_sku(cleaned)


def sku_prefix(sku: str) -> str:
    """The letter prefix of a valid SKU."""
    return validate_sku(sku).split("-", 1)[0]
