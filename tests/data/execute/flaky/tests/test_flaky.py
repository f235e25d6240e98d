"""test_sometimes fails on its first run in a directory and passes afterwards."""
from pathlib import Path


def test_sometimes():
    marker = Path("flaky-marker")
    if not marker.exists():
        marker.write_text("seen")
        assert False, "first attempt fails"


def test_always_fails():
    assert 1 + 1 == 3


def test_ok():
    pass
