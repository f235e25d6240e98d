import pytest

from inventory.report import abc_class, mean, median


@pytest.mark.parametrize("values, expected", [([1, 2, 3], 2.0), ([1, 2, 3, 4], 2.5)])
def test_mean_and_median_agree_on_symmetric_data(values, expected):
    assert mean(values) == expected
    assert median(values) == expected


@pytest.mark.parametrize("share, cls", [(0.8, "A"), (0.95, "B"), (0.99, "C")])
def test_abc_class(share, cls):
    assert abc_class(share) == cls
