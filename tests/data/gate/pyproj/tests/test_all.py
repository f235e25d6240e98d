import sys, os
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
import pytest
from auth.login import check_password, lockout
from util.mathx import clamp, mean


def test_password_ok():
    assert check_password({"password": "x"}, "x")


def test_password_no_user():
    assert not check_password(None, "x")


def test_lockout():
    assert lockout(5) == "locked"


def test_clamp_low():
    assert clamp(-1, 0, 10) == 0


def test_mean_wrong():
    assert mean([1, 2]) == 1.5


@pytest.mark.skip(reason="fixture skip")
def test_skipped():
    pass
