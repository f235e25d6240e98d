import pytest


@pytest.fixture(scope="module")
def shared():
    return {"n": 3}


def test_uses_shared(shared):
    assert shared["n"] == 3


@pytest.mark.xfail(strict=True)
def test_xpass_strict():
    pass


def test_skip_inside():
    pytest.skip("runtime skip")


@pytest.fixture
def leaky():
    yield 1
    raise RuntimeError("teardown fails after the test passed")


def test_passes_then_teardown_fails(leaky):
    assert leaky == 1
