import subprocess


def run(cmd):
    subprocess.call(cmd, shell=True, text="# nosec")  # expect: py-subprocess-shell
    subprocess.call(cmd, shell=True)  # nosec B101  # expect: py-subprocess-shell
