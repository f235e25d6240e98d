import pytest
def test_ok(): pass
def test_fail(): assert 1 == 2, "boom"
@pytest.mark.skip(reason="nope")
def test_skip(): pass
@pytest.mark.xfail
def test_xfail(): assert 0
@pytest.fixture
def bad(): raise RuntimeError("setup broke")
def test_err(bad): pass
class TestK:
    @pytest.mark.parametrize("x", [1, "a b", "t\tx"])
    def test_p(self, x): pass
