#!/usr/bin/python3
"""Per-family recall and false positives of aqe's secret rules on tests/data/scan/families.json.

Each sample is written as its own file (under the path it names, since the file type decides
the assignment syntax) and the tree is scanned once; a positive counts as found when its file
has at least one finding, a negative as a false positive when it has any.

    bench/secrets_recall.py [AQE_BINARY]     (default: build/debug/aqe)
"""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "debug", "aqe")
    with open(os.path.join(ROOT, "tests", "data", "scan", "families.json")) as f:
        families = json.load(f)
    with tempfile.TemporaryDirectory() as tmp:
        where = {}
        for family, samples in families.items():
            for kind in ("match", "no_match"):
                for i, s in enumerate(samples[kind]):
                    rel = os.path.join(family, kind, str(i), s["path"])
                    path = os.path.join(tmp, rel)
                    os.makedirs(os.path.dirname(path), exist_ok=True)
                    with open(path, "w") as out:
                        out.write(s["text"])
                    where[rel] = (family, kind)
        run = subprocess.run([binary, "security-scan", ".", "--format", "json", "--secrets-only"],
                             cwd=tmp, capture_output=True, text=True)
        if run.returncode not in (0, 1):
            sys.exit(f"aqe failed ({run.returncode}): {run.stderr}")
        doc = json.loads(run.stdout)
        hit = {f["file"] for f in doc.get("data", doc)["findings"] if f["category"] == "secret"}
    print("| family | found / expected | false positives / negatives |")
    print("|---|---|---|")
    tf = te = tfp = tn = 0
    for family, samples in families.items():
        found = sum(1 for rel, (fam, k) in where.items() if fam == family and k == "match" and rel in hit)
        fp = sum(1 for rel, (fam, k) in where.items() if fam == family and k == "no_match" and rel in hit)
        n_pos, n_neg = len(samples["match"]), len(samples["no_match"])
        tf, te, tfp, tn = tf + found, te + n_pos, tfp + fp, tn + n_neg
        print(f"| {family} | {found}/{n_pos} | {fp}/{n_neg} |")
    print(f"| **total** | {tf}/{te} | {tfp}/{tn} |")


if __name__ == "__main__":
    main()
