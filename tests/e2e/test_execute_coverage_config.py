"""aqe execute on projects whose own configuration would make its coverage silently wrong
(issue 18): pytest-cov's --cov or xdist's -n in addopts, and the project's coverage.py
configuration (parallel, source, source_pkgs, omit) in each file coverage.py reads it from.
Coverage must equal `coverage run --branch -m pytest` + `coverage json` on the same project."""
import json
import subprocess
import textwrap

import pytest

from conftest import SYSTEM_PYTHON, assert_envelope

CALC = '''\
def sign(x):
    if x > 0:
        return 1
    if x < 0:
        return -1
    return 0


def clamp(x, lo, hi):
    if x < lo:
        return lo
    if x > hi:
        return hi
    return x


def unused(x):
    for i in range(x):
        if i % 2:
            x += i
    return x
'''

HELPERS = '''\
def double(x):
    return 2 * x


def never(x):
    return x - 1
'''

TESTS = '''\
from calcpkg.calc import clamp, sign
from calcpkg.helpers import double


def test_sign_pos():
    assert sign(3) == 1


def test_sign_zero():
    assert sign(0) == 0


def test_clamp_low():
    assert clamp(-5, 0, 10) == 0


def test_clamp_mid():
    assert clamp(5, 0, 10) == 5


def test_double():
    assert double(2) == 4
'''


def make_project(d, pytest_ini=None, coverage=None):
    """A flat project: calcpkg/{calc,helpers}.py, tests/test_calc.py (5 tests). `pytest_ini`:
    the [pytest] section's lines (in pytest.ini); `coverage`: {file name: text}."""
    (d / "calcpkg").mkdir()
    (d / "calcpkg" / "__init__.py").write_text("")
    (d / "calcpkg" / "calc.py").write_text(CALC)
    (d / "calcpkg" / "helpers.py").write_text(HELPERS)
    (d / "tests").mkdir()
    (d / "tests" / "test_calc.py").write_text(TESTS)
    (d / "conftest.py").write_text("")  # rootdir on sys.path for `import calcpkg`
    if pytest_ini is not None:
        (d / "pytest.ini").write_text("[pytest]\n" + pytest_ini + "\n")
    for name, text in (coverage or {}).items():
        (d / name).write_text(textwrap.dedent(text))
    return d


def data_files(project):
    return [f.name for f in project.glob(".coverage*") if f.name != ".coveragerc"]


def coverage_run(project, *pytest_args):
    """What `coverage run --branch -m pytest` measures on the project, as `coverage json` says
    (its parallel data files combined first, as a user of `parallel = true` does)."""
    env_file = project / "ref.coverage"
    env = {"COVERAGE_FILE": str(env_file), "PATH": "/usr/bin:/bin"}
    subprocess.run([SYSTEM_PYTHON, "-m", "coverage", "run", "--branch", "-m", "pytest", "-q", "-p",
                    "no:cacheprovider", *pytest_args, "tests"], cwd=project, env=env,
                   capture_output=True, text=True)
    if list(project.glob("ref.coverage.*")):  # parallel = true, or multiprocessing's children
        subprocess.run([SYSTEM_PYTHON, "-m", "coverage", "combine", "-q", "--append"], cwd=project, env=env,
                       capture_output=True, text=True, check=True)
    rep = subprocess.run([SYSTEM_PYTHON, "-m", "coverage", "json", "-q", "-o", "-"], cwd=project,
                         env=env, capture_output=True, text=True, check=True)
    doc = json.loads(rep.stdout)
    for f in project.glob("ref.coverage*"):
        f.unlink()
    files = {name: (f["summary"]["covered_lines"], f["summary"]["num_statements"],
                    f["summary"]["covered_branches"], f["summary"]["num_branches"])
             for name, f in doc["files"].items()}
    t = doc["totals"]
    return files, (t["covered_lines"], t["num_statements"], t["covered_branches"], t["num_branches"])


def aqe_coverage(doc):
    cov = doc["data"]["coverage"]
    assert cov is not None, doc
    files = {f["file"]: (f["lines_covered"], f["lines_total"], f["branches_covered"], f["branches_total"])
             for f in cov["files"]}
    return files, (cov["lines_covered"], cov["lines_total"], cov["branches_covered"], cov["branches_total"])


def run_coverage(aqe, *extra):
    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--coverage", "--workers",
                              "2", *extra)
    assert_envelope(doc, "execute", 0)
    assert code == 0, (doc, err)
    assert doc["data"]["passed"] == 5, doc
    return doc


# --- pytest-cov in addopts ---------------------------------------------------------------


def test_pytest_cov_in_addopts_is_disabled_and_coverage_equals_coverage_run(aqe, project):
    """`--cov=calcpkg` in addopts: pytest-cov's tracer took over aqe's and aqe read 0 covered
    lines, with no warning. The workers run without pytest-cov, and the run says so."""
    make_project(project, "addopts = --cov=calcpkg --cov-report=term-missing",
                 {".coveragerc": "[run]\nsource = calcpkg\n"})
    doc = run_coverage(aqe)
    files, totals = aqe_coverage(doc)
    assert totals[0] > 0
    assert (files, totals) == coverage_run(project, "--no-cov")
    notes = [w for w in doc["warnings"] if "pytest-cov" in w]
    assert len(notes) == 1, doc["warnings"]  # once, not once per worker
    assert "--cov" in notes[0]
    # pytest-cov wrote nothing of its own into the project.
    assert not data_files(project)


def test_pytest_cov_in_addopts_without_aqe_coverage(aqe, project):
    """Without --coverage pytest-cov does not run in the workers either (each would write the
    project's .coverage over the others'); the human output says so once."""
    make_project(project, "addopts = --cov=calcpkg")
    p = aqe.run("execute", "tests", "--python", SYSTEM_PYTHON, "--workers", "2")
    assert p.returncode == 0, p.stdout + p.stderr
    text = p.stdout + p.stderr
    assert text.count("pytest-cov") == 1, text
    assert "--coverage" in text
    assert not data_files(project)


def test_no_pytest_cov_options_no_warning(aqe, project):
    make_project(project, "addopts = -ra", {".coveragerc": "[run]\nsource = calcpkg\n"})
    doc = run_coverage(aqe)
    assert not [w for w in doc["warnings"] if "pytest-cov" in w or "xdist" in w], doc["warnings"]


# --- xdist in addopts --------------------------------------------------------------------


def test_xdist_in_addopts_is_disabled(aqe, project):
    """`-n 2` in addopts crashed aqe's plugin (INTERNALERROR, blamed on the user's conftest):
    aqe runs its own workers without xdist's, and says so once."""
    make_project(project, "addopts = -n 2")
    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--workers", "2")
    assert code == 0, (doc, err)
    assert doc["data"]["passed"] == 5
    assert doc["data"]["workers"] == 2
    notes = [w for w in doc["warnings"] if "xdist" in w]
    assert len(notes) == 1, doc["warnings"]
    assert "-n 2" in notes[0] or "-n" in notes[0]


def test_xdist_and_pytest_cov_in_addopts_with_coverage(aqe, project):
    make_project(project, "addopts = -n 2 --cov=calcpkg", {".coveragerc": "[run]\nsource = calcpkg\n"})
    doc = run_coverage(aqe)
    assert aqe_coverage(doc) == coverage_run(project, "--no-cov", "-n", "0")
    assert len([w for w in doc["warnings"] if "xdist" in w]) == 1, doc["warnings"]
    assert len([w for w in doc["warnings"] if "pytest-cov" in w]) == 1, doc["warnings"]


# --- the project's coverage.py configuration --------------------------------------------

PARALLEL_CONFIGS = {
    "pyproject": {"pyproject.toml": """\
        [tool.coverage.run]
        parallel = true
        source = ["calcpkg"]
        """},
    "coveragerc": {".coveragerc": """\
        [run]
        parallel = True
        source = calcpkg
        """},
    "setup.cfg": {"setup.cfg": """\
        [coverage:run]
        parallel = true
        source = calcpkg
        """},
    "tox.ini": {"tox.ini": """\
        [coverage:run]
        parallel = true
        source = calcpkg
        """},
}


@pytest.mark.parametrize("where", sorted(PARALLEL_CONFIGS))
def test_parallel_true_in_project_coverage_config(aqe, project, where):
    """`parallel = true` made each worker write .coverage.<host>.<pid>.<n> instead of the file aqe
    combines: "no worker wrote coverage data", no coverage at all."""
    make_project(project, coverage=PARALLEL_CONFIGS[where])
    doc = run_coverage(aqe)
    assert not [w for w in doc["warnings"] if "coverage" in w], doc["warnings"]
    files, totals = aqe_coverage(doc)
    assert sorted(files) == ["calcpkg/__init__.py", "calcpkg/calc.py", "calcpkg/helpers.py"]
    assert (files, totals) == coverage_run(project)
    # aqe's workers wrote no data files into the project.
    assert not data_files(project)


def test_source_pkgs_and_omit_are_honoured(aqe, project):
    """`source_pkgs` is a source too: aqe added its own source (the project directory) beside
    it and measured the tests as well."""
    make_project(project, coverage={"pyproject.toml": """\
        [tool.coverage.run]
        source_pkgs = ["calcpkg"]
        omit = ["*/helpers.py"]
        """})
    doc = run_coverage(aqe)
    files, totals = aqe_coverage(doc)
    assert sorted(files) == ["calcpkg/__init__.py", "calcpkg/calc.py"]
    assert (files, totals) == coverage_run(project)


def test_rcfile_named_by_coverage_rcfile(aqe, project):
    """COVERAGE_RCFILE names the config file, for `coverage run` and for aqe's workers alike."""
    make_project(project, coverage={"cov.ini": """\
        [run]
        parallel = true
        source = calcpkg
        omit = */helpers.py
        """})
    rc = {"COVERAGE_RCFILE": str(project / "cov.ini")}
    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--coverage", "--workers",
                              "2", env=rc)
    assert code == 0, (doc, err)
    files, totals = aqe_coverage(doc)
    assert sorted(files) == ["calcpkg/__init__.py", "calcpkg/calc.py"]
    env_file = project / "ref.coverage"
    env = {"COVERAGE_FILE": str(env_file), "PATH": "/usr/bin:/bin", **rc}
    subprocess.run([SYSTEM_PYTHON, "-m", "coverage", "run", "--branch", "-m", "pytest", "-q", "-p",
                    "no:cacheprovider", "tests"], cwd=project, env=env, capture_output=True, check=True)
    subprocess.run([SYSTEM_PYTHON, "-m", "coverage", "combine", "-q"], cwd=project, env=env, check=True)
    ref = json.loads(subprocess.run([SYSTEM_PYTHON, "-m", "coverage", "json", "-q", "-o", "-"], cwd=project,
                                    env=env, capture_output=True, text=True, check=True).stdout)
    t = ref["totals"]
    assert totals == (t["covered_lines"], t["num_statements"], t["covered_branches"], t["num_branches"])


def test_multiprocessing_children_are_measured_and_combined(aqe, project):
    """`concurrency = multiprocessing`: the children coverage.py starts wrote .coverage.<host>.<pid>
    into the project, which aqe never combined (1 of 5 lines where coverage run has 4)."""
    make_project(project, coverage={".coveragerc": """\
        [run]
        source = calcpkg
        branch = true
        concurrency = multiprocessing
        """})
    (project / "calcpkg" / "work.py").write_text(
        "def child(q):\n    if q is None:\n        return 0\n    q.put(1)\n    return 1\n")
    (project / "tests" / "test_mp.py").write_text(
        "import multiprocessing\nfrom calcpkg.work import child\n\n\ndef test_mp():\n"
        "    ctx = multiprocessing.get_context('spawn')\n    q = ctx.Queue()\n"
        "    p = ctx.Process(target=child, args=(q,))\n    p.start()\n    p.join()\n"
        "    assert q.get() == 1\n")
    code, doc, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--coverage", "--workers", "2")
    assert code == 0, (doc, err)
    files, totals = aqe_coverage(doc)
    assert files["calcpkg/work.py"][0] == 4
    assert (files, totals) == coverage_run(project)
    assert not data_files(project)


# --- when coverage starts, and what it measures without a source ------------------------------


def test_project_code_imported_before_the_plugin_is_measured(aqe, project):
    """A plugin of the project named by `-p` in addopts is imported before aqe's plugin, so the
    tracer the plugin started missed the module-level lines it imported (coverage run starts
    before pytest: 99.56 % there, 76.95 % in aqe on a real project). Coverage starts before
    pytest is imported."""
    make_project(project, "addopts = -p calcpkg.plugin", {".coveragerc": "[run]\nsource = calcpkg\n"})
    (project / "calcpkg" / "plugin.py").write_text(
        "from calcpkg import helpers\n\n\ndef pytest_report_header(config):\n"
        "    return 'helpers %d' % helpers.double(1)\n")
    doc = run_coverage(aqe)
    files, totals = aqe_coverage(doc)
    # The module-level lines of plugin.py and helpers.py ran before any test.
    assert files["calcpkg/plugin.py"][0] >= 2, files
    assert files["calcpkg/helpers.py"][0] >= 3, files
    assert (files, totals) == coverage_run(project)


def test_a_flat_project_without_coverage_source_measures_its_packages_not_its_tests(aqe, project):
    """project.source_dirs defaults to src; a flat project has none, and aqe measured the whole
    project, tests included (78.5 % instead of 69.6 % on a real one). aqe measures its packages,
    the same figures as `coverage run --source=calcpkg`."""
    make_project(project)
    doc = run_coverage(aqe)
    files, totals = aqe_coverage(doc)
    assert sorted(files) == ["calcpkg/__init__.py", "calcpkg/calc.py", "calcpkg/helpers.py"]
    assert not [w for w in doc["warnings"] if "source_dirs" in w], doc["warnings"]
    (project / ".coveragerc").write_text("[run]\nsource = calcpkg\n")
    assert (files, totals) == coverage_run(project)


def test_a_module_project_measures_its_modules_without_the_tests(aqe, project):
    """No package at all (a single-module project, as six is): the project directory without its
    test files and test directories."""
    (project / "mod.py").write_text(HELPERS)
    (project / "tests").mkdir()
    (project / "tests" / "test_mod.py").write_text("from mod import double\n\n\ndef test_double():\n"
                                                  "    assert double(2) == 4\n")
    (project / "test_top.py").write_text("def test_top():\n    assert True\n")
    (project / "conftest.py").write_text("")
    code, doc, err = aqe.json("execute", "tests", "test_top.py", "--python", SYSTEM_PYTHON, "--coverage")
    assert code == 0, (doc, err)
    files, _ = aqe_coverage(doc)
    assert sorted(files) == ["mod.py"], files
    assert files["mod.py"][:2] == (3, 4)


def test_a_configured_source_dir_that_does_not_exist_is_said(aqe, project):
    """A project.source_dirs entry that is not a directory was skipped silently."""
    make_project(project)
    (project / "config").mkdir()
    (project / "config" / "qe-fleet.json").write_text('{"project": {"source_dirs": ["lib"]}}\n')
    doc = run_coverage(aqe)
    files, _ = aqe_coverage(doc)
    assert sorted(files) == ["calcpkg/__init__.py", "calcpkg/calc.py", "calcpkg/helpers.py"]
    notes = [w for w in doc["warnings"] if "project.source_dirs" in w]
    assert len(notes) == 1, doc["warnings"]
    assert "lib" in notes[0] and "config/qe-fleet.json" in notes[0] and "calcpkg" in notes[0], notes
