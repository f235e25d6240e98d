"""The CLI contract: version, help, bad flags and commands, the JSON envelope, exit codes."""
import json
import re

from conftest import assert_envelope


def test_version(aqe):
    p = aqe.run("--version")
    assert p.returncode == 0
    assert re.fullmatch(r"\d+\.\d+\.\d+\n", p.stdout)


def test_help_lists_commands_and_exit_codes(aqe):
    p = aqe.run("--help")
    assert p.returncode == 0
    for word in ("init", "config", "--json", "--ci-mode", "--project-dir", "Exit codes"):
        assert word in p.stdout


def test_subcommand_help(aqe):
    p = aqe.run("config", "validate", "--help")
    assert p.returncode == 0
    assert "validate" in p.stdout


def global_options(help_text):
    """The long option names of `aqe --help`'s Options group (the global options)."""
    group = help_text.split("\nOptions:\n", 1)[1].split("\n\n", 1)[0]
    return [n for n in re.findall(r"--[a-z][a-z-]*", group) if n != "--help"]


def test_subcommand_help_lists_the_global_options(aqe):
    globals_ = global_options(aqe.run("--help").stdout)
    assert {"--config", "--json", "--ci-mode", "--project-dir", "--quiet"} <= set(globals_)
    for command, own in ((["execute"], "--parallel"), (["quality-gate"], "--fail-on-error"),
                         (["config", "show"], "--help")):
        p = aqe.run(*command, "--help")
        assert p.returncode == 0, p.stderr
        assert own in p.stdout
        own_part, _, global_part = p.stdout.partition("\nGlobal options:\n")
        assert global_part, p.stdout
        for name in globals_:
            assert name in global_part, (command, name)
        # The command's own options stay apart from the global ones.
        assert not re.search(r"^  --json ", own_part, re.M) and "  --fail-on-error " not in global_part


def test_no_command_is_usage_error(aqe):
    p = aqe.run()
    assert p.returncode == 3
    assert "a command is required" in p.stderr


def test_unknown_command_suggests(aqe):
    p = aqe.run("inti")
    assert p.returncode == 3
    assert "unknown command 'inti'" in p.stderr
    assert "did you mean 'init'" in p.stderr


def test_bad_flag_text(aqe):
    p = aqe.run("init", "--forse")
    assert p.returncode == 3
    assert "--forse" in p.stderr


def test_bad_flag_json_envelope(aqe):
    rc, doc, _ = aqe.json("config", "show", "--josn")
    assert rc == 3
    assert_envelope(doc, "config show", 3)
    assert doc["status"] == "error"
    err = doc["errors"][0]
    assert err["code"] == "USAGE"
    assert "--josn" in err["message"]
    assert "did you mean '--json'" in err["hint"]


def test_ci_mode_is_json_and_quiet(aqe):
    p = aqe.run("--ci-mode", "init")
    assert p.returncode == 0
    doc = json.loads(p.stdout)
    assert_envelope(doc, "init", 0)
    assert doc["status"] == "success"


def test_global_flags_after_subcommand(aqe):
    p = aqe.run("init", "--json")
    assert p.returncode == 0
    assert json.loads(p.stdout)["command"] == "init"


def test_project_dir_flag(aqe, project, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    p = aqe.run("--project-dir", str(other), "init")
    assert p.returncode == 0
    assert (other / "config" / "qe-fleet.json").exists()
    assert not (project / "config").exists()


def test_missing_project_dir(aqe):
    rc, doc, _ = aqe.json("--project-dir", "/nonexistent/dir", "init")
    assert rc == 3
    assert "/nonexistent/dir" in doc["errors"][0]["message"]


def test_no_escape_codes_when_not_a_tty(aqe):
    p = aqe.run("init")
    assert "\x1b[" not in p.stdout and "\x1b[" not in p.stderr
