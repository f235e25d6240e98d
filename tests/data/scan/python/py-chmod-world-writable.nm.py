import os
import stat


def share(path):
    os.chmod(path, 0o755)
    os.chmod(path, 0o600)
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
