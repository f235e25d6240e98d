"""aqe generate: isolation and safety (issue 17): deleted paths in a change list, syntax errors
beside good modules, the project's files untouched by verification and by the kept tests, and a
verification run that dies keeps nothing."""
import json
import socket
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


def test_calls_writing_outside_their_temp_dir_are_refused_and_not_kept(aqe, project, tmp_path):
    outside = tmp_path / "elsewhere" / "written.txt"
    outside.parent.mkdir()
    in_project = project / "written_by_a_test.txt"
    write(project, "dump.py", f'''
        OUTSIDE = {str(outside)!r}
        IN_PROJECT = {str(in_project)!r}


        def dump(text: str) -> int:
            with open(OUTSIDE, "w") as f:
                return f.write(text)


        def dump_quietly(text: str) -> bool:
            try:
                with open(IN_PROJECT, "a") as f:
                    f.write(text)
                return True
            except OSError:
                return False


        def double(value: int) -> int:
            return value * 2
        ''')
    text = aqe.run("generate", "dump.py", *PY, timeout=300)
    assert text.returncode == 0, text.stdout + text.stderr
    assert "writes outside its temp dir" in text.stdout, text.stdout
    (project / "tests/generated/test_dump.py").unlink()
    code, doc, _ = aqe.json("generate", "dump.py", *PY, timeout=300)
    assert code == 0, doc
    # Refused during exploration and verification alike: never written.
    assert not outside.exists()
    assert not in_project.exists()
    d = doc["data"]
    assert d["tests_generated"] >= 1
    assert d["discarded_by_reason"].get("writes outside its temp dir", 0) >= 1, d
    generated = (project / "tests/generated/test_dump.py").read_text()
    assert "double(" in generated
    assert "dump(" not in generated and "dump_quietly(" not in generated, generated


def _namespaces_allowed():
    for argv in (["unshare", "-n", "true"], ["unshare", "-rn", "true"]):
        try:
            if subprocess.run(argv, capture_output=True, timeout=10).returncode == 0:
                return True
        except (OSError, subprocess.TimeoutExpired):
            pass
    return False


def test_calls_using_the_network_are_refused_and_not_kept(aqe, project):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    port = server.getsockname()[1]
    # A subprocess is not seen by the audit hooks: only the network namespace stops it.
    namespaces = _namespaces_allowed()
    elsewhere = '''

        def ping_elsewhere(message: str) -> str:
            code = "import socket, sys; socket.create_connection(('127.0.0.1', %d), 2).send(b'x')" % PORT
            done = subprocess.run([sys.executable, "-c", code, message], capture_output=True, timeout=5)
            return "sent" if done.returncode == 0 else "refused"
        ''' if namespaces else ""
    try:
        write(project, "client.py", textwrap.dedent(f'''
            import socket
            import subprocess
            import sys

            PORT = {port}


            def ping(message: str) -> int:
                with socket.create_connection(("127.0.0.1", PORT), timeout=2) as conn:
                    return conn.send(message.encode())


            def double(value: int) -> int:
                return value * 2
            ''') + textwrap.dedent(elsewhere))
        p = aqe.run("--verbose", "--json", "generate", "client.py", *PY, timeout=300)
        assert p.returncode == 0, p.stdout + p.stderr
        d = json.loads(p.stdout)["data"]
        assert d["tests_generated"] >= 1
        assert d["discarded_by_reason"].get("uses the network", 0) >= 1, d
        generated = (project / "tests/generated/test_client.py").read_text()
        assert "ping(" not in generated, generated
        # Nothing ever connected: the backlog holds no connection to accept.
        server.setblocking(False)
        try:
            conn, _ = server.accept()
            conn.close()
            raise AssertionError("a generated call connected to the listening port")
        except BlockingIOError:
            pass
        assert "generate sandbox:" in p.stderr  # --verbose says which barriers hold
    finally:
        server.close()


def test_code_keeping_files_in_xdg_directories_writes_into_the_sandbox(aqe, project, tmp_path):
    """A module that keeps a cache where XDG_CACHE_HOME says (platformdirs, appdirs) had every
    call refused (the user's cache dir is outside the sandbox) and no test kept for it; the kept
    tests, run later by the user's pytest, would write into the user's cache. The sandbox and the
    generated files' isolation fixture set the XDG base directories inside them."""
    user_cache = tmp_path / "user-cache"
    write(project, "notes.py", '''
        import os


        def remember(text: str) -> int:
            folder = os.path.join(os.environ["XDG_CACHE_HOME"], "notes")
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, "last.txt"), "w") as f:
                return f.write(text)
        ''')
    env = {"XDG_CACHE_HOME": str(user_cache)}
    code, doc, _ = aqe.json("generate", "notes.py", *PY, env=env, timeout=300)
    assert code == 0, doc
    d = doc["data"]
    assert d["discarded_by_reason"].get("writes outside its temp dir", 0) == 0, d
    generated = (project / "tests/generated/test_notes.py").read_text()
    assert "remember(" in generated, generated
    assert not user_cache.exists()
    # The user's own pytest run of the kept tests stays out of the user's cache too.
    p = subprocess.run([SYSTEM_PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/generated"],
                       cwd=project, env={"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(user_cache),
                                         "HOME": str(tmp_path / "user-home")},
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    assert not user_cache.exists()


def test_a_module_writing_files_when_imported_writes_them_into_the_sandbox(aqe, project, tmp_path):
    """Exploration and verification import the module: `~/x` and `./x` written at import land in
    the sandbox's temp HOME and cwd, never in the user's HOME or the project (issue 12)."""
    home = tmp_path / "home"
    home.mkdir()
    write(project, "on_import.py", '''
        import os

        with open(os.path.expanduser("~/written_at_import.txt"), "w") as f:
            f.write("home")
        with open("written_at_import.txt", "w") as f:
            f.write("cwd")


        def double(value: int) -> int:
            return value * 2
        ''')
    code, doc, err = aqe.json("generate", "on_import.py", *PY, env={"HOME": str(home)}, timeout=300)
    assert code == 0, err
    assert doc["data"]["tests_generated"] >= 1, doc
    assert not (home / "written_at_import.txt").exists()
    assert not (project / "written_at_import.txt").exists()
    assert sorted(p.name for p in home.iterdir()) == []
