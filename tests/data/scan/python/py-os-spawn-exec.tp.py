import os


def launch(prog, args):
    os.spawnv(os.P_WAIT, prog, args)  # expect: py-os-spawn-exec
    os.spawnlp(os.P_NOWAIT, prog, prog)  # expect: py-os-spawn-exec
    os.execvp(prog, args)  # expect: py-os-spawn-exec
    os.execl(prog, prog)  # expect: py-os-spawn-exec
