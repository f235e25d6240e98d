import subprocess


def run(cmd, q, cur):
    subprocess.call(
        cmd,
        shell=True)  # nosec
    cur.execute("SELECT * FROM t WHERE id = %s" %
                q)  # nosec B608
    subprocess.call(cmd, shell=True)  # nosec B602
