import subprocess

def archive(name):
    subprocess.run(
        "tar czf " + name,
        shell=True,
    )
