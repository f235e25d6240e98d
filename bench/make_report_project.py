#!/usr/bin/env python3
"""Inputs for bench/report_html.sh: a synthetic Python project whose coverage is really measured.

    make_report_project.py project OUT [--files 2000] [--seed 1]
        writes OUT/src/pkgK/mod_I.py (functions with branches) and OUT/run_all.py, which calls
        a seeded subset of them, so `coverage run --branch run_all.py` leaves missing lines and
        partial branches in every file.
    make_report_project.py document COVERAGE_JSON REPORT_JSON [--tests 10000] [--seed 1]
        writes an aqe report document (version 1, tests/data/report/report_v1.json's layout)
        whose coverage section is COVERAGE_JSON (`coverage json` of that run) and whose tests
        section is a 10,000-test run with failures, slowest and flaky tests.

Standard library only, fixed seed: the same arguments give byte-identical output.
"""
import argparse
import json
import os
import random

FUNCTION = '''

def {name}(value, limit={limit}):
    """Scales value against limit ({i})."""
    total = 0
    if value > limit:
        total = value - limit
    elif value < -limit:
        total = limit + value
    else:
        total = value * {factor}
    for step in range(abs(value) % 4):
        if step % 2:
            total += step
        else:
            total -= step
    while total > 1000:
        total //= 2
    return total
'''


def project(out, files, seed):
    rng = random.Random(seed)
    calls = []
    for i in range(files):
        pkg = f"pkg{i // 100}"
        os.makedirs(os.path.join(out, "src", pkg), exist_ok=True)
        init = os.path.join(out, "src", pkg, "__init__.py")
        if not os.path.exists(init):
            open(init, "w").close()
        body = [f'"""Module {i} of the report benchmark project."""\n']
        for f in range(rng.randint(5, 15)):
            name = f"scale_{f}"
            body.append(FUNCTION.format(name=name, limit=rng.randint(5, 50), factor=rng.randint(2, 9), i=f))
            if rng.random() < 0.7:
                calls.append((pkg, i, name, rng.randint(-60, 60)))
        with open(os.path.join(out, "src", pkg, f"mod_{i}.py"), "w") as fh:
            fh.write("".join(body))
    with open(os.path.join(out, "run_all.py"), "w") as fh:
        fh.write("import importlib\nimport sys\n\nsys.path.insert(0, 'src')\nCALLS = [\n")
        for pkg, i, name, arg in calls:
            fh.write(f"    ('{pkg}.mod_{i}', '{name}', {arg}),\n")
        fh.write("]\nfor module, name, arg in CALLS:\n    getattr(importlib.import_module(module), name)(arg)\n")
        fh.write(f"for i in range({files}):\n    importlib.import_module(f'pkg{{i // 100}}.mod_{{i}}')\n")


def document(coverage_json, report_json, tests, seed):
    rng = random.Random(seed)
    cov = json.load(open(coverage_json))
    files = []
    for path, f in sorted(cov["files"].items()):
        s = f["summary"]
        lines_total, lines_covered = s["num_statements"], s["covered_lines"]
        branches_total, branches_covered = s.get("num_branches", 0), s.get("covered_branches", 0)
        files.append({
            "path": path, "lines_covered": lines_covered, "lines_total": lines_total,
            "branches_covered": branches_covered, "branches_total": branches_total,
            "line_rate": round(100.0 * lines_covered / lines_total, 2) if lines_total else None,
            "branch_rate": round(100.0 * branches_covered / branches_total, 2) if branches_total else None,
            "missing_lines": f["missing_lines"], "partial_branches": f.get("missing_branches", []),
        })
    t = cov["totals"]
    failed = tests // 500
    failures = [{"test": f"tests/test_mod_{i}.py::test_scale[{i}]", "file": f"tests/test_mod_{i}.py",
                 "line": rng.randint(5, 80), "message": f"assert {i} == {i + 1}",
                 "traceback": f"tests/test_mod_{i}.py:12: in test_scale\n    assert scale_0({i}) == {i + 1}\n"
                              f"E   assert {i} == {i + 1}\n" * 8} for i in range(failed)]
    doc = {
        "schema": "aqe-report", "version": 1, "generated_at": "2026-12-02T01:00:00Z", "aqe_version": "bench",
        "branch": "main", "commit": "0" * 40,
        "tests": {"run_id": 2, "status": "failure", "complete": True, "started_at": "2026-12-02T00:58:00Z",
                  "commit": "0" * 40, "total": tests, "passed": tests - failed - 10, "failed": failed,
                  "skipped": 10, "errors": 0, "flaky": 3,
                  "pass_rate": round(100.0 * (tests - failed - 10) / (tests - 10), 2), "duration_s": 61.4,
                  "workers": 2, "failures": failures,
                  "slowest": [{"test": f"tests/test_mod_{i}.py::test_slow", "duration_s": 2.0 - i / 10}
                              for i in range(10)],
                  "flaky_tests": [{"test": f"tests/test_mod_{i}.py::test_flaky", "count": 3,
                                   "last_seen": "2026-12-02T00:58:30Z"} for i in range(3)]},
        "coverage": {"run_id": 2, "line_rate": round(100.0 * t["covered_lines"] / t["num_statements"], 2),
                     "branch_rate": round(100.0 * t["covered_branches"] / t["num_branches"], 2)
                     if t.get("num_branches") else None,
                     "lines_covered": t["covered_lines"], "lines_total": t["num_statements"],
                     "branches_covered": t.get("covered_branches", 0), "branches_total": t.get("num_branches", 0),
                     "files": files},
        "gate": None, "security": None, "generate": None, "cost": None,
        "trends": [{"run_id": r, "started_at": f"2026-12-0{r}T00:00:00Z", "commit": str(r) * 40, "pass_rate": 99.0,
                    "line_rate": 70.0 + r, "branch_rate": 60.0 + r, "duration_s": 60.0 + r, "tests": tests}
                   for r in (1, 2)],
        "comparison": None,
    }
    with open(report_json, "w") as fh:
        json.dump(doc, fh)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("project")
    p.add_argument("out")
    p.add_argument("--files", type=int, default=2000)
    p.add_argument("--seed", type=int, default=1)
    d = sub.add_parser("document")
    d.add_argument("coverage_json")
    d.add_argument("report_json")
    d.add_argument("--tests", type=int, default=10000)
    d.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if a.cmd == "project":
        project(a.out, a.files, a.seed)
    else:
        document(a.coverage_json, a.report_json, a.tests, a.seed)


if __name__ == "__main__":
    main()
