import pytest


@pytest.mark.parametrize("i", range(10))
def test_param(i):
    assert i >= 0


def test_single_4():
    pass
