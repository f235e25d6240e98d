import subprocess
from subprocess import check_output


def build(args):
    subprocess.run(["make", *args])  # expect: py-subprocess-call
    subprocess.Popen(args, shell=False)  # expect: py-subprocess-call
    check_output(args)  # expect: py-subprocess-call
    subprocess.call(args, shell=[])  # expect: py-subprocess-call
