import os
import stat


def share(path):
    os.chmod(path, 0o777)  # expect: py-chmod-world-writable
    os.chmod(path, 0o666)  # expect: py-chmod-world-writable
    os.chmod(path, stat.S_IWOTH | stat.S_IRUSR)  # expect: py-chmod-world-writable
    os.chmod(path, mode=0o757)  # expect: py-chmod-world-writable
