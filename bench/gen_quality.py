#!/usr/bin/env python3
"""Quality of `aqe generate` on real modules: coverage of the generated tests alone and their
mutation score beside the project's own tests (issue 17). Standard library only.

For each module (`pkg/mod.py`, found through PYTHON's import path, e.g. Debian's dist-packages):
the whole top-level package is copied into a fresh temp project, `aqe generate pkg/mod.py --output
tests/generated --python PYTHON --json --quiet` runs (default time budget unless --budget), then
  PYTHON -m coverage run --branch --source=<module dir> -m pytest tests/generated -q -p no:cacheprovider
  PYTHON -m coverage json
measure the generated tests alone, and bench/mutate.py scores them (and the package's own tests,
`<pkg>/tests/test_<mod>.py`, where the package ships them) on seeded mutants of the module.

  bench/gen_quality.py --aqe /abs/aqe [--python /usr/bin/python3] [--modules "a/b.py ..."]
      [--heldout "..."] [--budget S] [--mutants 40] [--seed 17] [--jobs 1|2] [--out FILE.json]
  bench/gen_quality.py --diff OLD.json NEW.json     # per-module deltas of two runs
Environment: MODULES, HELDOUT, BUDGET, MUTANTS, SEED, JOBS set the same as the flags
(HELDOUT="" runs no held-out set).
"""
import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mutate  # noqa: E402

BENCH = os.path.dirname(os.path.abspath(__file__))

# The benchmark set: 25 modules from 8 projects (Debian 12 packages, pure Python); the three attr
# ones are reported as excluded (pytest imports attr itself), 22 measured from 7 projects.
MODULES = """
dateutil/relativedelta.py dateutil/easter.py dateutil/utils.py dateutil/parser/isoparser.py
click/formatting.py click/utils.py click/parser.py click/types.py
idna/core.py idna/intranges.py
itsdangerous/signer.py itsdangerous/encoding.py itsdangerous/serializer.py itsdangerous/timed.py
attr/validators.py attr/converters.py attr/filters.py
six.py
toolz/itertoolz.py toolz/dicttoolz.py toolz/functoolz.py toolz/recipes.py
pyparsing/util.py pyparsing/helpers.py pyparsing/results.py
""".split()
# Held out: projects the engine is not tuned on, reported separately.
HELDOUT = """
more_itertools/recipes.py packaging/version.py packaging/utils.py packaging/markers.py
markupsafe/__init__.py
""".split()
PROJECT_OF = {"attr": "attrs", "more_itertools": "more-itertools"}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, cwd, timeout=None, env=None):
    start = time.monotonic()
    p = subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=timeout)
    return p, time.monotonic() - start


def locate(python, top):
    """Path of top-level package dir or single-file module `top` as PYTHON imports it."""
    p, _ = run([python, "-c", "import importlib.util, sys; s = importlib.util.find_spec(sys.argv[1]);"
                " print(s.origin if s else '')", top], cwd="/")
    origin = p.stdout.decode().strip()
    if not origin:
        raise RuntimeError("%s is not importable by %s" % (top, python))
    return os.path.dirname(origin) if origin.endswith("__init__.py") else origin


def pytest_summary(text):
    lines = [l for l in text.decode("utf-8", "replace").strip().splitlines() if l.strip()]
    return lines[-1].strip("= ") if lines else ""


def coverage_of(python, proj, rel, tests, env):
    """coverage.py figures of the module `rel` under `tests` alone."""
    for f in os.listdir(proj):
        if f.startswith(".coverage") or f == "coverage.json":
            os.remove(os.path.join(proj, f))
    src_dir = os.path.dirname(os.path.join(proj, rel))
    p, _ = run([python, "-m", "coverage", "run", "--branch", "--source=" + src_dir, "-m", "pytest",
                *tests, "-q", "-p", "no:cacheprovider"], proj, timeout=1800, env=env)
    res = {"pytest_rc": p.returncode, "pytest_summary": pytest_summary(p.stdout)}
    j, _ = run([python, "-m", "coverage", "json", "-o", "coverage.json"], proj, env=env)
    path = os.path.join(proj, "coverage.json")
    if j.returncode != 0 or not os.path.exists(path):
        res["error"] = "coverage json: " + (j.stdout + j.stderr).decode().strip()[-300:]
        return res
    with open(path) as f:
        files = json.load(f)["files"]
    target = os.path.realpath(os.path.join(proj, rel))
    summ = None
    for name, data in files.items():
        full = name if os.path.isabs(name) else os.path.join(proj, name)
        if os.path.realpath(full) == target:
            summ = data["summary"]
    if summ is None:
        res["error"] = "module not in coverage data (not imported from the copy?)"
        return res
    ns, nb = summ["num_statements"], summ["num_branches"]
    cl, cb = summ["covered_lines"], summ["covered_branches"]
    res.update(statements=ns, branches=nb, covered_lines=cl, covered_branches=cb,
               line_pct=round(100.0 * cl / ns, 1) if ns else None,
               branch_pct=round(100.0 * cb / nb, 1) if nb else None,
               line_branch_pct=round(summ["percent_covered"], 1))
    return res


def own_tests_of(proj, rel):
    """The package's own tests for module `rel`, if the Debian package ships them."""
    parts = rel.split("/")
    if len(parts) < 2:
        return []
    mod = os.path.splitext(parts[-1])[0]
    for tdir in ("tests", "test"):
        cand = os.path.join(parts[0], tdir, "test_%s.py" % mod)
        if os.path.exists(os.path.join(proj, cand)):
            return [cand]
    return []


def bench_module(rel, a, env):
    top = rel.split("/")[0]
    top = top[:-3] if top.endswith(".py") else top
    row = {"module": rel, "project": PROJECT_OF.get(top, top)}
    src = locate(a.python, top)
    proj = tempfile.mkdtemp(prefix="aqe-genq-")
    row["_proj"] = proj
    if os.path.isdir(src):
        shutil.copytree(src, os.path.join(proj, top), ignore=shutil.ignore_patterns("__pycache__"))
    else:
        shutil.copy2(src, os.path.join(proj, os.path.basename(src)))
    import_name = rel[:-3].replace("/", ".")
    if import_name.endswith(".__init__"):
        import_name = import_name[: -len(".__init__")]
    p, _ = run([a.python, "-c", "import importlib; print(importlib.import_module(%r).__file__)"
                % import_name], proj, env=env)
    if p.returncode != 0 or not os.path.realpath(p.stdout.decode().strip()).startswith(
            os.path.realpath(proj)):
        row["excluded"] = "does not import from the copy: " + (p.stdout + p.stderr).decode()[-300:]
        return row
    # A package pytest itself imports (Debian's pytest 7.2 imports attr) is loaded before the
    # tests: aqe resolves it to the installed copy, and a mutant breaks pytest, not a test.
    os.makedirs(os.path.join(proj, ".empty"))
    p, _ = run([a.python, "-c", "import sys, pytest; pytest.main(['-q', '--co', '-p', "
                "'no:cacheprovider', '.empty']); print('IMPORTED' if %r in sys.modules else '')"
                % top], proj, env=env)
    os.rmdir(os.path.join(proj, ".empty"))
    if p.stdout.decode().strip().endswith("IMPORTED"):
        row["excluded"] = "pytest itself imports %s before any test" % top
        return row

    cmd = [a.aqe, "generate", rel, "--output", "tests/generated", "--python", a.python,
           "--json", "--quiet"]
    if a.budget:
        cmd += ["--time-budget", str(a.budget)]
    g, wall = run(cmd, proj, timeout=3600, env=env)
    row["generate_rc"] = g.returncode
    row["generate_wall_s"] = round(wall, 1)
    try:
        data = json.loads(g.stdout)["data"]
    except (ValueError, KeyError):
        data = {}
        row["generate_error"] = (g.stdout + g.stderr).decode("utf-8", "replace")[-400:]
    row["tests_kept"] = data.get("tests_generated")
    row["tests_discarded"] = data.get("tests_discarded")
    row["aqe_coverage"] = data.get("coverage")
    row["aqe_skipped"] = data.get("skipped")
    row["given_up"] = len(data.get("given_up", []) or [])
    gen_dir = os.path.join(proj, "tests", "generated")
    has_tests = os.path.isdir(gen_dir)
    if not has_tests:
        os.makedirs(gen_dir)
    row["generated"] = coverage_of(a.python, proj, rel, ["tests/generated"], env)
    row["diff_vs_aqe"] = compare_with_aqe(row["generated"], row["aqe_coverage"])

    own = own_tests_of(proj, rel)
    row["own_tests"] = own
    if own:
        row["own"] = coverage_of(a.python, proj, rel, own, env)
    if a.mutants > 0:
        log("  mutants of %s under the generated tests" % rel)
        row["mut_generated"] = mutate.score(proj, rel, ["tests/generated"], a.python, a.seed,
                                            a.mutants, a.jobs)
        if own:
            log("  mutants of %s under its own tests" % rel)
            row["mut_own"] = mutate.score(proj, rel, own, a.python, a.seed, a.mutants, a.jobs)
    return row


def compare_with_aqe(mine, theirs):
    """Where coverage.py's figures and aqe's JSON differ (empty when they agree)."""
    if not theirs or "statements" not in mine:
        return "no aqe coverage to compare" if not theirs else "no coverage.py figures"
    pairs = [("lines_covered", "covered_lines"), ("lines_total", "statements"),
             ("branches_covered", "covered_branches"), ("branches_total", "branches")]
    diffs = ["%s aqe %s vs %s" % (k, theirs.get(k), mine[m]) for k, m in pairs
             if theirs.get(k) is not None and theirs.get(k) != mine[m]]
    return "; ".join(diffs)


def fmt(v, digits=1):
    if v is None:
        return "-"
    return ("%." + str(digits) + "f") % v if isinstance(v, float) else str(v)


def mut_cell(m, shipped=True):
    if not shipped:
        return "not shipped"
    if m is None:
        return "-"
    if m["status"] != "ok":
        return "unknown"
    return "%.1f" % m["score"]


def table(rows):
    out = ["| module | project | statements | branches | line % | branch % | line+branch % | "
           "tests kept | generate wall s | mutants | generated-tests mutation score % | "
           "own-tests mutation score % |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if "excluded" in r:
            out.append("| %s | %s | excluded: %s |||||||||| " % (
                r["module"], r["project"], r["excluded"].strip().splitlines()[-1]))
            continue
        c, mg = r["generated"], r.get("mut_generated")
        mutants = "-"
        if mg:
            mutants = str(mg["run"]) if mg["status"] == "ok" else "-"
            if mg["candidates"] - mg["dropped_not_compiling"] < mg["requested"]:
                mutants += " (all)"
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["module"], r["project"], fmt(c.get("statements")), fmt(c.get("branches")),
            fmt(c.get("line_pct")), fmt(c.get("branch_pct")), fmt(c.get("line_branch_pct")),
            fmt(r.get("tests_kept")), fmt(r.get("generate_wall_s")), mutants,
            mut_cell(mg), mut_cell(r.get("mut_own"), bool(r.get("own_tests")))))
    return "\n".join(out)


def medians(rows):
    def med(vals):
        vals = [v for v in vals if v is not None]
        return (round(statistics.median(vals), 1), len(vals)) if vals else (None, 0)
    ok = [r for r in rows if "excluded" not in r]
    score = lambda m: m["score"] if m and m["status"] == "ok" else None
    return {
        "line_branch_pct": med([r["generated"].get("line_branch_pct") for r in ok]),
        "line_pct": med([r["generated"].get("line_pct") for r in ok]),
        "branch_pct": med([r["generated"].get("branch_pct") for r in ok]),
        "mutation_generated": med([score(r.get("mut_generated")) for r in ok]),
        "mutation_own": med([score(r.get("mut_own")) for r in ok]),
        "mutation_generated_where_own": med([score(r.get("mut_generated")) for r in ok
                                             if score(r.get("mut_own")) is not None]),
    }


def medians_text(m):
    names = {"line_branch_pct": "line+branch %", "line_pct": "line %", "branch_pct": "branch %",
             "mutation_generated": "generated-tests mutation score %",
             "mutation_own": "own-tests mutation score %",
             "mutation_generated_where_own": "generated-tests mutation score % on the modules with own tests"}
    return "\n".join("- median %s: %s (%d modules)" % (names[k], fmt(v), n) for k, (v, n) in m.items())


def notes(rows):
    out = []
    for r in rows:
        if "excluded" in r:
            continue
        if r.get("generate_rc") not in (0, None):
            out.append("%s: aqe generate exit %s%s" % (r["module"], r["generate_rc"],
                       (": " + r["generate_error"].strip().splitlines()[-1]) if r.get("generate_error") else ""))
        if r.get("aqe_skipped"):
            out.append("%s: aqe skipped %s" % (r["module"], r["aqe_skipped"]))
        if r.get("diff_vs_aqe"):
            out.append("%s: coverage.py vs aqe JSON: %s" % (r["module"], r["diff_vs_aqe"]))
        if r["generated"].get("error"):
            out.append("%s: %s" % (r["module"], r["generated"]["error"]))
        if r["generated"].get("pytest_rc") not in (0, None):
            out.append("%s: generated tests outside aqe: pytest exit %s (%s)" % (
                r["module"], r["generated"]["pytest_rc"], r["generated"]["pytest_summary"]))
        for key, what in (("mut_generated", "generated"), ("mut_own", "own")):
            m = r.get(key)
            if m and m["status"] != "ok":
                out.append("%s: %s-tests score unknown: %s" % (r["module"], what, m["reason"]))
            elif m and m["timeouts"]:
                out.append("%s: %s tests: %d mutants killed by timeout" % (r["module"], what, m["timeouts"]))
        if r.get("own"):
            out.append("%s: own tests (%s) cover %s%% line+branch" % (
                r["module"], " ".join(r["own_tests"]), fmt(r["own"].get("line_branch_pct"))))
    return out


def diff(a_path, b_path):
    with open(a_path) as f:
        a = json.load(f)
    with open(b_path) as f:
        b = json.load(f)
    old = {r["module"]: r for r in a["rows"] + a.get("heldout_rows", [])}
    print("| module | line+branch % old | new | delta | gen. mutation % old | new | delta |")
    print("|---|---|---|---|---|---|---|")
    for r in b["rows"] + b.get("heldout_rows", []):
        o = old.get(r["module"])
        if not o or "excluded" in r or "excluded" in o:
            continue
        lb = (o["generated"].get("line_branch_pct"), r["generated"].get("line_branch_pct"))
        ms = tuple((x.get("mut_generated") or {}).get("score") for x in (o, r))
        d = lambda p: fmt(p[1] - p[0]) if None not in p else "-"
        print("| %s | %s | %s | %s | %s | %s | %s |" % (r["module"], fmt(lb[0]), fmt(lb[1]), d(lb),
                                                       fmt(ms[0]), fmt(ms[1]), d(ms)))
    for key in ("medians", "heldout_medians"):
        if key in a and key in b:
            print("%s old:\n%s\n%s new:\n%s" % (key, medians_text(a[key]), key, medians_text(b[key])))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--aqe")
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--modules", default=os.environ.get("MODULES"))
    ap.add_argument("--heldout", default=os.environ.get("HELDOUT"))
    ap.add_argument("--budget", default=os.environ.get("BUDGET"))
    ap.add_argument("--mutants", type=int, default=int(os.environ.get("MUTANTS", mutate.DEFAULT_MUTANTS)))
    ap.add_argument("--seed", type=int, default=int(os.environ.get("SEED", mutate.DEFAULT_SEED)))
    ap.add_argument("--jobs", type=int, choices=(1, 2), default=int(os.environ.get("JOBS", 1)))
    ap.add_argument("--out")
    ap.add_argument("--keep", action="store_true", help="keep the temp projects")
    ap.add_argument("--diff", nargs=2, metavar=("OLD", "NEW"))
    a = ap.parse_args()
    if a.diff:
        return diff(*a.diff)
    if not a.aqe or not os.path.isabs(a.aqe):
        ap.error("--aqe must be an absolute path (the benchmark runs in temp dirs)")
    modules = a.modules.split() if a.modules is not None else MODULES
    # A MODULES subset without HELDOUT runs no held-out set.
    heldout = a.heldout.split() if a.heldout is not None else ([] if a.modules is not None else HELDOUT)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.setdefault("ASAN_OPTIONS", "detect_leaks=0")
    version = (run([a.aqe, "--version"], "/", env=env)[0].stdout.decode().strip().splitlines() or [""])[0]
    pyver = run([a.python, "--version"], "/")[0].stdout.decode().strip()
    started = time.time()
    header = ("aqe: %s (%s); python: %s (%s); budget: %s; mutants %d per module, seed %d, jobs %d; "
              "%d cores, load average at start %s" % (
                  a.aqe, version, a.python, pyver, (a.budget + " s") if a.budget else "aqe default",
                  a.mutants, a.seed, a.jobs, os.cpu_count(),
                  " ".join("%.2f" % x for x in os.getloadavg())))
    log(header)
    result = {"header": header, "aqe": a.aqe, "aqe_version": version, "python": a.python,
              "python_version": pyver, "budget": a.budget, "mutants": a.mutants, "seed": a.seed,
              "jobs": a.jobs, "cores": os.cpu_count(), "load_start": os.getloadavg(),
              "started": datetime.datetime.utcfromtimestamp(started).isoformat() + "Z"}
    out = a.out or os.path.join(BENCH, "out", "gen_quality-%s.json" % time.strftime(
        "%Y%m%d-%H%M%S", time.gmtime(started)))
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)

    def save():
        result["rows"], result["heldout_rows"] = rows, hrows
        result["medians"], result["heldout_medians"] = medians(rows), medians(hrows)
        result["load_end"] = os.getloadavg()
        result["wall_s"] = round(time.time() - started, 1)
        with open(out + ".tmp", "w") as f:
            json.dump(result, f, indent=1, default=str)
        os.replace(out + ".tmp", out)

    rows, hrows = [], []
    try:
        for group, lst in ((modules, rows), (heldout, hrows)):
            for rel in group:
                t0 = time.monotonic()
                log("%s ..." % rel)
                r = bench_module(rel, a, env)
                r["module_wall_s"] = round(time.monotonic() - t0, 1)
                proj = r.pop("_proj")
                if a.keep:
                    r["project_dir"] = proj
                else:
                    shutil.rmtree(proj, ignore_errors=True)
                lst.append(r)
                save()
                g = r.get("generated", {})
                log("  %s line+branch %s%%, generated-tests mutation score %s, %.0f s" % (
                    rel, fmt(g.get("line_branch_pct")), mut_cell(r.get("mut_generated")),
                    r["module_wall_s"]))
    finally:
        save()
    print(header)
    print("\nbenchmark set (%d modules):\n" % len(rows))
    print(table(rows))
    print("\n" + medians_text(result["medians"]))
    if hrows:
        print("\nheld-out set (%d modules):\n" % len(hrows))
        print(table(hrows))
        print("\n" + medians_text(result["heldout_medians"]))
    n = notes(rows + hrows)
    if n:
        print("\nnotes:\n" + "\n".join("- " + x for x in n))
    print("\nload average at end: %s; whole run %.0f s; figures: %s" % (
        " ".join("%.2f" % x for x in result["load_end"]), result["wall_s"], out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
