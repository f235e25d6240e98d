import os


def launch(path):
    os.path.exists(path)
    os.getpid()
    executor.execute(path)
