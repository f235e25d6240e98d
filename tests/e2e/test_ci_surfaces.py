"""GitHub Actions surfaces of execute, generate, security-scan and quality-gate: the step
summary, $GITHUB_OUTPUT and the annotations (budget, changed files first, escaping)."""
import json
import subprocess

from conftest import SYSTEM_PYTHON

PY = ("--python", SYSTEM_PYTHON)


def gh_env(tmp_path, **extra):
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(output),
           "GITHUB_EVENT_NAME": "push", "GITHUB_BASE_REF": "", "GITHUB_HEAD_REF": ""}
    env.update(extra)
    return env, summary, output


def outputs(path):
    """$GITHUB_OUTPUT parsed the way the runner does (name=value and name<<DELIM heredocs)."""
    entries, lines, i = [], path.read_text().split("\n"), 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            j = lines.index(delim, i + 1)
            entries.append((name, "\n".join(lines[i + 1:j])))
            i = j + 1
            continue
        if line:
            name, value = line.split("=", 1)
            entries.append((name, value))
        i += 1
    return entries


def active_commands(stdout):
    """Lines the runner reads as workflow commands (outside ::stop-commands:: fences)."""
    active, token = [], None
    for line in stdout.replace("\r", "\n").split("\n"):
        if token:
            if line == f"::{token}::":
                token = None
            continue
        if line.startswith("::stop-commands::"):
            token = line[len("::stop-commands::"):]
        elif line.startswith("::"):
            active.append(line)
    return active


def test_four_commands_on_the_demo(aqe, demo_copy, tmp_path):
    env, summary, output = gh_env(tmp_path)
    summary.write_text("earlier step\n")
    p = aqe.run("execute", "tests/", "--coverage", *PY, env=env, cwd=demo_copy, timeout=300)
    assert p.returncode == 0, p.stderr
    assert active_commands(p.stdout) == []  # nothing failed: no annotation
    p = aqe.run("security-scan", ".", env=env, cwd=demo_copy)
    assert p.returncode == 0, p.stderr
    p = aqe.run("generate", "src/inventory/sku.py", *PY, env=env, cwd=demo_copy, timeout=300)
    assert p.returncode == 0, p.stderr
    p = aqe.run("quality-gate", "--threshold", "99", env=env, cwd=demo_copy)
    assert p.returncode == 0, p.stderr
    assert active_commands(p.stdout) == ["::warning title=Quality gate::score >= 99 failed: score is "
                                         + dict(outputs(output))["score"]]

    text = summary.read_text()
    assert text.startswith("earlier step\n")
    heads = [line for line in text.split("\n") if line.startswith("### aqe")]
    assert heads[0].startswith("### aqe execute: ✅ 0 failed, ") and heads[0].endswith(" passed")
    assert heads[1] == "### aqe security-scan: ✅ no findings"
    assert heads[2].startswith("### aqe generate: ") and heads[2].endswith(" tests kept")
    assert heads[3] == "### aqe quality gate: ❌ failed"
    assert "| tests/generated/inventory/test\\_sku.py |" in text  # Markdown-escaped

    out = outputs(output)
    names = [n for n, _ in out]
    for n in ("tests_run", "passed", "failed", "coverage", "branch_coverage", "findings", "tests_generated",
              "gate_passed", "score", "threshold"):
        assert n in names, out
    d = {}
    for n, v in out:  # the first of a repeated name (coverage: execute's, then generate's)
        d.setdefault(n, v)
    assert d["failed"] == "0" and int(d["passed"]) == int(d["tests_run"]) > 50
    assert 0 < float(d["coverage"]) <= 100
    assert d["findings"] == "0"
    assert int(d["tests_generated"]) > 0
    assert d["gate_passed"] == "false" and d["threshold"] == "99"


def git(cwd, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=cwd, check=True,
                   capture_output=True)


def failing_tests(n, prefix, message="boom"):
    return "".join(f"def test_{prefix}_{i}():\n    raise AssertionError({message!r})\n\n" for i in range(n))


def test_budget_changed_files_first_and_injection(aqe, project, tmp_path):
    """8 failures in an unchanged file, 5 in the pull request's: the 5 come first, 10 errors in
    all, one notice counts the 3 left; a message cannot start a command or set an output."""
    (project / "tests").mkdir()
    (project / "tests" / "test_old.py").write_text(
        failing_tests(7, "old") + failing_tests(1, "evil", "x\n::error::pwned\n::set-output name=failed::0\r"
                                                "failed=0\n::add-mask::x"))
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "base")
    git(project, "checkout", "-q", "-b", "feature")
    (project / "tests" / "test_new.py").write_text(failing_tests(5, "new"))
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "change")
    env, summary, output = gh_env(tmp_path, GITHUB_EVENT_NAME="pull_request", GITHUB_BASE_REF="main",
                                  GITHUB_HEAD_REF="feature", GITHUB_REF="refs/pull/1/merge")
    p = aqe.run("execute", "tests/", *PY, env=env, timeout=300)
    assert p.returncode == 1, p.stderr
    cmds = active_commands(p.stdout)
    assert len(cmds) == 11, p.stdout
    assert all(c.startswith("::error file=tests/test_new.py,line=") for c in cmds[:5]), cmds
    assert all(c.startswith("::error file=tests/test_old.py,line=") for c in cmds[5:10]), cmds
    assert cmds[10].startswith("::notice title=aqe execute::3 more failed tests not annotated")
    assert not any(c.startswith(("::error::", "::set-output", "::add-mask")) for c in cmds)
    assert all("pwned" not in c or "%0A::error::pwned%0A" in c for c in cmds)

    out = outputs(output)
    assert ("failed", "13") in out and ("failed", "0") not in out, out
    assert len([n for n, _ in out if n == "failed"]) == 1
    text = summary.read_text()
    assert not any(line.startswith("::") for line in text.split("\n"))
    assert "| failed test | where | message |" in text

    # A push build (no target branch): report order, same budget.
    push = tmp_path / "push"
    push.mkdir()
    env2, _, _ = gh_env(push)
    cmds = active_commands(aqe.run("execute", "tests/", *PY, env=env2, timeout=300).stdout)
    assert len(cmds) == 11 and cmds[-1].startswith("::notice title=aqe execute::3 more failed tests")


def test_nothing_written_without_github_and_unwritable_files_warn(aqe, project, tmp_path):
    (project / "a.py").write_text("import pickle\n\ndef f(b):\n    return pickle.loads(b)\n")
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    # The variables without GITHUB_ACTIONS=true: not GitHub, nothing written or annotated.
    p = aqe.run("security-scan", "a.py", env={"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(output)})
    assert not summary.exists() and not output.exists()
    assert active_commands(p.stdout) == []
    code_without = p.returncode
    # GITHUB_ACTIONS=true without the file variables: annotations only, no file appears.
    p = aqe.run("security-scan", "a.py", env={"GITHUB_ACTIONS": "true"})
    assert p.returncode == code_without
    cmds = active_commands(p.stdout)
    assert cmds and all(c.startswith(("::warning file=a.py,line=", "::error file=a.py,line=")) for c in cmds)
    assert not summary.exists() and not output.exists()
    # --ci-mode (--json --quiet): stdout is the envelope alone, the annotations are on stderr.
    p = aqe.run("--ci-mode", "security-scan", "a.py", env={"GITHUB_ACTIONS": "true"})
    assert json.loads(p.stdout)["command"] == "security-scan"
    assert [line for line in p.stderr.split("\n") if line.startswith("::")] == cmds
    # Files that cannot be appended to: a warning each, the same exit code.
    bad = tmp_path / "no-such-dir" / "f"
    p = aqe.run("security-scan", "a.py", env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(bad),
                                            "GITHUB_OUTPUT": str(bad)})
    assert p.returncode == code_without, p.stderr
    assert f"GITHUB_STEP_SUMMARY: cannot append to {bad}" in p.stderr
    assert f"GITHUB_OUTPUT: cannot append to {bad}" in p.stderr


def test_a_test_name_with_a_newline_cannot_inject(aqe, project, tmp_path):
    """A JUnit file (framework junit) can name a test `test_x\\n::error::pwned`."""
    (project / "given.xml").write_text(
        '<?xml version="1.0"?>\n<testsuite name="s" tests="2" failures="1">'
        '<testcase classname="tests.test_a" name="test_x&#10;::error::pwned" file="tests/test_a.py" line="3">'
        '<failure message="m&#10;::set-output name=failed::0&#13;::add-mask::x">tb</failure></testcase>'
        '<testcase classname="tests.test_a" name="test_ok"/></testsuite>\n')
    env, summary, output = gh_env(tmp_path)
    p = aqe.run("execute", "--framework", "junit", "--command", "cp given.xml out.xml", "--junit", "out.xml",
                env=env)
    assert p.returncode == 1, p.stderr
    cmds = active_commands(p.stdout)
    assert len(cmds) == 1, p.stdout
    assert cmds[0].startswith("::error file=tests/test_a.py,line="), cmds[0]
    assert "title=Test failed%3A tests/test_a.py%3A%3Atest_x%0A%3A%3Aerror%3A%3Apwned::" in cmds[0]
    assert cmds[0].endswith("::m%0A::set-output name=failed::0%0D::add-mask::x")
    assert [(n, v) for n, v in outputs(output) if n == "failed"] == [("failed", "1")]
    assert "test\\_x ::error::pwned" in summary.read_text()  # one cell, the line break a space


def forged_commands(stdout, stderr, forged=("::error::x", "::warning::y")):
    """Lines the runner would read as the forged commands: it trims leading spaces and reads
    stderr as well as stdout (outside ::stop-commands:: fences)."""
    lines = [line.lstrip() for line in active_commands_lines(stdout)]
    lines += [line.lstrip() for line in stderr.replace("\r", "\n").split("\n")]
    return [line for line in lines if line.startswith(forged)]


def active_commands_lines(stdout):
    out, token = [], None
    for line in stdout.replace("\r", "\n").split("\n"):
        if token:
            token = None if line == f"::{token}::" else token
            continue
        if line.startswith("::stop-commands::"):
            token = line[len("::stop-commands::"):]
        else:
            out.append(line)
    return out


def test_a_file_name_with_a_line_break_or_escape_cannot_inject_on_stderr(aqe, project):
    """A path's name reaches warnings and errors on stderr (issue 12): a LF or CR in it cannot
    start a workflow command there, and its ESC bytes do not reach the terminal."""
    name = "gone\n::error::x\r::warning::y\x1b[2J.py"
    env = {"GITHUB_ACTIONS": "true"}
    for args in (["security-scan", name], ["--json", "security-scan", name]):
        p = aqe.run(*args, env=env)
        assert p.returncode == 3, p.stderr
        assert "path not found: gone" in p.stderr, p.stderr
        assert forged_commands(p.stdout, p.stderr) == [], p.stderr
        assert "\x1b" not in p.stderr and "\x1b" not in p.stdout
    (project / "calc.py").write_text("def double(value: int) -> int:\n    return value * 2\n")
    p = aqe.run("generate", "calc.py", name, *PY, "--time-budget", "3", env=env, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "warning: gone" in p.stderr, p.stderr
    assert forged_commands(p.stdout, p.stderr) == [], p.stdout + p.stderr
    assert "\x1b" not in p.stderr and "\x1b" not in p.stdout
