"""aqe generate: isolation and safety (issue 17): deleted paths in a change list, syntax errors
beside good modules, the project's files untouched by verification and by the kept tests, and a
verification run that dies keeps nothing."""
import json
import subprocess
import textwrap
from pathlib import Path

from conftest import SYSTEM_PYTHON

PY = ["--python", SYSTEM_PYTHON, "--time-budget", "3"]

GOOD = '''
def clamp(value: int, low: int = 0, high: int = 10) -> int:
    if value < low:
        return low
    if value > high:
        return high
    return value
'''


def write(root: Path, rel: str, text: str) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(textwrap.dedent(text))
    return p


def reasons(doc):
    return {s["file"]: s["reason"] for s in doc["data"]["skipped"]}


def test_xargs_change_list_with_a_deleted_file_generates_the_rest(aqe, project):
    write(project, "calc.py", GOOD)
    write(project, "notes.txt", "not python\n")
    changed = "calc.py\ngone.py\nnotes.txt\n"  # gone.py was deleted in the change
    p = subprocess.run(["xargs", aqe.binary, "--json", "generate", *PY], input=changed, cwd=project,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    doc = json.loads(p.stdout)
    assert doc["exit_code"] == 0
    why = reasons(doc)
    assert why["gone.py"] == "no such file or directory"
    assert why["notes.txt"] == "not a Python file"
    assert any("gone.py" in w for w in doc["warnings"])
    assert doc["data"]["tests_generated"] >= 1
    assert (project / "tests/generated/test_calc.py").is_file()

    text = aqe.run("generate", "calc.py", "gone.py", *PY, timeout=300)
    assert text.returncode == 0, text.stdout + text.stderr
    assert "skipped gone.py: no such file or directory" in text.stdout

    # Only missing paths: nothing to do, bad input.
    code, doc, _ = aqe.json("generate", "gone.py", *PY)
    assert code == 3
    assert doc["errors"][0]["code"] == "INPUT_NOT_FOUND"


def test_syntax_error_skips_that_module_with_file_and_line(aqe, project):
    write(project, "calc.py", GOOD)
    write(project, "pkg/__init__.py", "")
    write(project, "pkg/broken.py", "def ok():\n    return 1\n\ndef bad(:\n    pass\n")
    code, doc, _ = aqe.json("generate", "calc.py", "pkg/broken.py", *PY, timeout=300)
    assert code == 0, doc
    why = reasons(doc)
    assert "syntax error at pkg/broken.py:4" in why["pkg/broken.py"], why
    assert doc["data"]["tests_generated"] >= 1
    assert (project / "tests/generated/test_calc.py").is_file()
    assert not (project / "tests/generated/pkg/test_broken.py").exists()


def test_project_files_untouched_by_verification_and_kept_tests(aqe, project, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    settings = write(project, "settings.ini", "[main]\nkey = value\n")
    (home / "settings.ini").write_text("home copy\n")
    before, home_before = settings.read_bytes(), (home / "settings.ini").read_bytes()
    write(project, "store.py", '''
        import os


        def save(path: str, text: str) -> int:
            """Writes text to path.

            >>> save("settings.ini", "")
            0
            >>> save("~/settings.ini", "")
            0
            """
            with open(os.path.expanduser(path), "w") as f:
                return f.write(text)
        ''')
    p = aqe.run("--json", "generate", "store.py", *PY, env={"HOME": str(home)}, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    assert json.loads(p.stdout)["data"]["tests_generated"] >= 1
    generated = (project / "tests/generated/test_store.py").read_text()
    assert "settings.ini" in generated  # the documented call was kept
    assert settings.read_bytes() == before
    assert (home / "settings.ini").read_bytes() == home_before

    # The kept tests, run by the user from the project root, are isolated too.
    run = subprocess.run([SYSTEM_PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/generated"],
                         cwd=project, capture_output=True, text=True, timeout=300,
                         env={"HOME": str(home), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stdout[-3000:]
    assert settings.read_bytes() == before
    assert (home / "settings.ini").read_bytes() == home_before


def test_verification_run_that_dies_keeps_and_counts_nothing(aqe, project):
    write(project, "calc.py", GOOD)
    # Loaded by the verification pytest only (the explorer does not use pytest): it dies mid-run.
    write(project, "conftest.py", '''
        import os
        import signal


        def pytest_runtest_teardown(item):
            os.kill(os.getpid(), signal.SIGKILL)
        ''')
    code, doc, _ = aqe.json("generate", "calc.py", *PY, timeout=300)
    assert code == 1, doc
    d = doc["data"]
    assert d["tests_generated"] == 0
    assert d["tests_discarded"] >= 1
    assert d["test_files"] == []
    assert "not verified" in reasons(doc)["calc.py"]
    assert "signal 9" in reasons(doc)["calc.py"]
    assert any("not verified" in w for w in doc["warnings"])
    assert not (project / "tests/generated/test_calc.py").exists()

    text = aqe.run("generate", "calc.py", *PY, timeout=300)
    assert text.returncode == 1
    assert "0 tests kept" in text.stdout


def test_deleted_module_loses_only_its_own_generated_test_file(aqe, project):
    write(project, "calc.py", GOOD)
    gone = write(project, "pkg/gone.py", GOOD)
    write(project, "pkg/__init__.py", "")
    code, doc, _ = aqe.json("generate", "calc.py", "pkg/gone.py", *PY, timeout=300)
    assert code == 0, doc
    stale = project / "tests/generated/pkg/test_gone.py"
    assert stale.is_file()
    mine = write(project, "tests/generated/pkg/test_mine.py", "# pkg/gone.py\ndef test_mine():\n    pass\n")
    gone.unlink()
    p = subprocess.run(["xargs", aqe.binary, "--json", "generate", *PY], input="calc.py\npkg/gone.py\n",
                       cwd=project, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    doc = json.loads(p.stdout)
    assert not stale.exists()
    assert any("tests/generated/pkg/test_gone.py: removed" in w for w in doc["warnings"]), doc["warnings"]
    assert mine.is_file()  # hand-written: no aqe header
    assert (project / "tests/generated/test_calc.py").is_file()
