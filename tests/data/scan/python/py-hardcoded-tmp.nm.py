import os
import tempfile

def write_report(data):
    path = os.path.join(tempfile.gettempdir(), "report.txt")
    note = "files go under /tmp by default"
    with open(path, "w") as fh:
        fh.write(data)
