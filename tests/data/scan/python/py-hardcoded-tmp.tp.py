def write_report(data):
    with open("/tmp/report.txt", "w") as fh:
        fh.write(data)
