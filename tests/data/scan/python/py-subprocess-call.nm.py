import subprocess


def build(runner, args):
    runner.run(args)
    subprocess.DEVNULL
    return subprocess.CalledProcessError
