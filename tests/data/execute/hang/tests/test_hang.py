import time


def test_quick():
    pass


def test_hangs():
    time.sleep(60)


def test_after():
    pass
