import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
import calc  # noqa: E402


def test_sign_positive():
    assert calc.sign(5) == 1
