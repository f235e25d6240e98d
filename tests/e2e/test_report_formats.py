"""aqe report generate --format junit|sarif|codequality|openmetrics and report push, on one
recorded demo run (execute with coverage, a scan with a finding): JUnit counts equal execute's,
SARIF validates with the SARIF Multitool, openmetrics passes promtool, a push reaches a real
Pushgateway, an unreachable gateway exits 4 and a bad URL 3."""
import json
import shutil
import socket
import subprocess
import time
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import REPO, SYSTEM_PYTHON, Aqe, _aqe_bin

MULTITOOL = REPO / "build" / "deps" / "npm" / "node_modules" / ".bin" / "sarif-multitool"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("formats") / "demo"
    shutil.copytree(REPO / "examples" / "demo", root,
                    ignore=shutil.ignore_patterns(".aqe", ".venv", "__pycache__", ".coverage*", "generated",
                                                  ".pytest_cache"))
    (root / "deploy").mkdir()
    (root / "deploy" / "settings.py").write_text('AWS_ACCESS_KEY_ID = "AKIAQ3EGRDXYZ7ABCD12"\n')
    aqe = Aqe(_aqe_bin(), root)
    code, ex, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--coverage", timeout=300)
    assert code in (0, 1), err
    code, scan, err = aqe.json("security-scan", ".")
    assert code == 0 and scan["data"]["findings"], err
    code, gate, err = aqe.json("quality-gate")
    assert code == 0 and gate["data"]["score"] is not None, (gate, err)
    return {"root": root, "aqe": aqe, "ex": ex["data"], "scan": scan["data"], "gate": gate["data"]}


def generate(run, fmt):
    out = run["root"] / "out" / ("report." + fmt)
    code, env, err = run["aqe"].json("report", "generate", "--format", fmt, "--output", out)
    assert code == 0, (env, err)
    return out


def test_junit_counts_equal_execute(run):
    suite = ET.parse(generate(run, "junit")).getroot().find("testsuite")
    ex = run["ex"]
    assert int(suite.get("tests")) == ex["tests_run"]
    assert int(suite.get("failures")) == ex["failed"] and int(suite.get("skipped")) == ex["skipped"]
    assert len(suite.findall("testcase")) == ex["tests_run"]


def test_sarif_validates_with_the_multitool(run):
    out = generate(run, "sarif")
    doc = json.loads(out.read_text())
    assert doc["version"] == "2.1.0"
    assert len(doc["runs"][0]["results"]) == len(run["scan"]["findings"])
    if not MULTITOOL.exists():
        pytest.fail("SARIF Multitool missing: run scripts/install-deps.sh")
    p = subprocess.run([str(MULTITOOL), "validate", str(out), "--output", str(out) + ".validation.sarif"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    log = json.loads(Path(str(out) + ".validation.sarif").read_text())
    errors = [r for r in log["runs"][0].get("results", []) if r.get("level") == "error"]
    assert errors == [], errors


def test_codequality_issues(run):
    issues = json.loads(generate(run, "codequality").read_text())
    assert len(issues) == len(run["scan"]["findings"])
    for i in issues:
        assert i["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert i["location"]["path"] and i["location"]["lines"]["begin"] >= 1
        assert i["fingerprint"] and i["check_name"] and i["description"]
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_openmetrics_passes_promtool(run):
    out = generate(run, "openmetrics")
    text = out.read_text()
    assert f'aqe_tests_run{{branch=' in text and 'command="execute"' in text
    assert "aqe_coverage_line_ratio" in text and 'aqe_findings{' in text
    # The gate run's figures, as quality-gate measured them.
    samples = {l.split("{")[0]: l for l in text.splitlines() if l.startswith("aqe_gate_")}
    assert 'command="quality-gate"' in samples["aqe_gate_score"]
    assert float(samples["aqe_gate_score"].split()[-1]) == pytest.approx(run["gate"]["score"])
    assert float(samples["aqe_gate_passed"].split()[-1]) == (1.0 if run["gate"]["passed"] else 0.0)
    p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stdout + p.stderr


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_push_reaches_a_pushgateway(run, tmp_path):
    port = free_port()
    gw = subprocess.Popen(["/usr/bin/prometheus-pushgateway", f"--web.listen-address=127.0.0.1:{port}"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/-/ready", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        code, env, err = run["aqe"].json("report", "push", "--pushgateway", base, "--job", "ci")
        assert code == 0, (env, err)
        metrics = urllib.request.urlopen(base + "/metrics", timeout=5).read().decode()
        line = next(l for l in metrics.splitlines() if l.startswith("aqe_tests_run{"))
        assert 'job="ci"' in line and float(line.split()[-1]) == run["ex"]["tests_run"]
    finally:
        gw.terminate()
        gw.wait(timeout=10)


def test_push_unreachable_exits_4_and_bad_url_3(run):
    port = free_port()  # nothing listens there
    code, env, err = run["aqe"].json("report", "push", "--pushgateway", f"http://127.0.0.1:{port}")
    assert code == 4, (env, err)
    code, env, err = run["aqe"].json("report", "push", "--pushgateway", "ftp://x")
    assert code == 3, (env, err)


def test_push_to_a_gateway_that_never_answers_exits_4_after_its_timeout(run):
    """A listener that accepts and never answers: the push's 30 s total timeout ends it (exit 4)."""
    held = []
    with socket.socket() as lst:
        lst.bind(("127.0.0.1", 0))
        lst.listen(8)
        lst.settimeout(0.2)
        port = lst.getsockname()[1]
        proc = subprocess.Popen([_aqe_bin(), "--json", "report", "push", "--pushgateway", f"http://127.0.0.1:{port}"],
                                cwd=run["root"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        start = time.monotonic()
        while proc.poll() is None and time.monotonic() - start < 60:
            try:
                held.append(lst.accept()[0])  # accepted, never read, never answered
            except socket.timeout:
                pass
        elapsed = time.monotonic() - start
        if proc.poll() is None:
            proc.kill()
        out, err = proc.communicate(timeout=10)
        for conn in held:
            conn.close()
    assert held, "aqe never connected"
    assert proc.returncode == 4, (out, err)
    assert 25 < elapsed < 50, f"took {elapsed:.1f} s"  # the 30 s limit, plus start-up on a loaded runner
    env = json.loads(out)
    assert "--pushgateway" in env["errors"][0]["message"], env["errors"]


def _lines(root):
    """{filename: {line: hits}} of a Cobertura document (what GitLab reads)."""
    out = {}
    for cls in root.iter("class"):
        out[cls.get("filename")] = {int(l.get("number")): int(l.get("hits")) for l in cls.iter("line")}
    return out


def test_cobertura_equals_coverage_xml_on_the_same_data(run):
    ours = ET.parse(generate(run, "cobertura")).getroot()
    assert [s.text for s in ours.iter("source")] == [str(run["root"])]
    # coverage.py's own Cobertura writer on the run's combined data file is the reference.
    [data] = list((run["root"] / ".aqe" / "runs").glob("*/.coverage"))
    ref_file = run["root"] / "out" / "ref.xml"
    p = subprocess.run([SYSTEM_PYTHON, "-m", "coverage", "xml", "--data-file", str(data), "-o", str(ref_file)],
                       cwd=run["root"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    ref = ET.parse(ref_file).getroot()
    ref_lines = {}
    src = ref.find("sources/source").text.rstrip("/")
    for f, lines in _lines(ref).items():
        path = str(Path(src, f).resolve().relative_to(run["root"]))
        ref_lines[path] = lines
    mine = _lines(ours)
    assert set(mine) == set(ref_lines)
    cov = json.loads(next((run["root"] / ".aqe" / "runs").glob("*/coverage.json")).read_text())
    for path, lines in ref_lines.items():
        # Every line coverage xml writes is ours with the same hits ...
        assert {n: mine[path][n] for n in lines} == lines, path
        # ... and ours has more only where coverage.py's JSON lists an executed line that is
        # not a statement (a docstring): written as hit, as the JSON says it ran.
        extra = set(mine[path]) - set(lines)
        assert all(mine[path][n] == 1 for n in extra), path
        assert extra <= set(cov["files"][path]["executed_lines"]), path
    for attr in ("lines-valid", "lines-covered", "branches-valid", "branches-covered"):
        assert ours.get(attr) == ref.get(attr), attr
    assert int(ours.get("lines-covered")) == run["ex"]["coverage"]["lines_covered"]


def test_cobertura_splits_under_the_size_limit(run):
    out = run["root"] / "out" / "split" / "cobertura.xml"
    code, env, err = run["aqe"].json("report", "generate", "--format", "cobertura", "--output", out,
                                     "--max-bytes", "4096")
    assert code == 0, (env, err)
    parts = [run["root"] / p for p in env["data"]["parts"]]
    assert len(parts) > 1 and parts[0] == out and parts[1].name == "cobertura-2.xml"
    assert any("split into" in w for w in env["warnings"])
    whole = _lines(ET.parse(generate(run, "cobertura")).getroot())
    merged = {}
    for p in parts:
        assert p.stat().st_size <= 4096 or len(list(ET.parse(p).getroot().iter("class"))) == 1
        merged.update(_lines(ET.parse(p).getroot()))
    assert merged == whole
    # Several parts cannot go to stdout.
    code, env, err = run["aqe"].json("report", "generate", "--format", "cobertura", "--max-bytes", "4096")
    assert code == 3 and "--output" in env["errors"][0]["hint"]


def test_cobertura_without_measured_coverage_is_exit_3(tmp_path):
    aqe = Aqe(_aqe_bin(), tmp_path)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text("def test_a():\n    pass\n")
    code, _, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON)
    assert code == 0, err
    code, env, err = aqe.json("report", "generate", "--format", "cobertura", "--output", tmp_path / "c.xml")
    assert code == 3 and env["errors"][0]["code"] == "NO_DATA"
    assert not (tmp_path / "c.xml").exists()


def _git(cwd, *args):
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "HOME": str(cwd), "GIT_CONFIG_NOSYSTEM": "1",
           "PATH": "/usr/bin:/bin"}
    p = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return p.stdout


# The base comes from git here, not from the CI running this suite.
_NO_CI = {k: "" for k in ("GITHUB_EVENT_NAME", "GITHUB_REF", "GITHUB_HEAD_REF", "GITHUB_BASE_REF",
                          "GITHUB_REF_NAME", "CI_COMMIT_BRANCH", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME",
                          "CHANGE_TARGET", "BRANCH_NAME")}


def test_uncovered_changed_lines_in_codequality_and_diff_coverage_in_openmetrics(tmp_path):
    """A feature branch adds an untested function and changes a tested line: the report's
    Code Quality issues are the uncovered changed lines as ranges, openmetrics has the diff
    ratio, and both equal what the quality gate measures on the same recorded run."""
    root = tmp_path / "demo"
    shutil.copytree(REPO / "examples" / "demo", root,
                    ignore=shutil.ignore_patterns(".aqe", ".venv", "__pycache__", ".coverage*", "generated",
                                                  ".pytest_cache"))
    (root / ".gitignore").write_text(".aqe/\nout/\n__pycache__/\n.coverage*\n")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "base")
    _git(root, "checkout", "-q", "-b", "feature")
    pricing = root / "src" / "inventory" / "pricing.py"
    text = pricing.read_text()
    text = text.replace('    sign = "-" if cents < 0 else ""\n', '    sign = "-" if cents < 0 else ""  # changed\n')
    text += ('\n\ndef bulk_discount(cents: int, units: int) -> int:\n'
             '    """Not tested on purpose."""\n'
             '    if units >= 100:\n'
             '        return cents * 90 // 100\n'
             '    return cents\n')
    pricing.write_text(text)
    _git(root, "commit", "-q", "-am", "feature")
    aqe = Aqe(_aqe_bin(), root)
    code, ex, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--coverage", timeout=300, env=_NO_CI)
    assert code in (0, 1), err
    code, gate, err = aqe.json("quality-gate", "--threshold", "0", env=_NO_CI)
    assert code == 0, (gate, err)
    gd = gate["data"]["diff"]
    assert gd["base"] == "main" and gd["lines"] >= 5, gd
    uncovered = gd["uncovered_changed_lines"]
    assert [u["file"] for u in uncovered] == ["src/inventory/pricing.py"] * len(uncovered) and len(uncovered) == 3

    out = root / "out" / "cq.json"
    code, env, err = aqe.json("report", "generate", "--format", "codequality", "--output", out, env=_NO_CI)
    assert code == 0, (env, err)
    assert any("no complete security-scan run" in w for w in env["warnings"]), env
    issues = json.loads(out.read_text())
    lines = sorted(u["line"] for u in uncovered)
    assert len(issues) == 1, issues  # the new function's 3 untested statements are one range
    i = issues[0]
    assert i["check_name"] == "aqe-uncovered-changed-lines" and i["location"]["path"] == "src/inventory/pricing.py"
    assert (i["location"]["lines"]["begin"], i["location"]["lines"]["end"]) == (lines[0], lines[-1])
    assert i["categories"] == ["Bug Risk"] and i["severity"] == "minor"

    out = root / "out" / "metrics.txt"
    code, env, err = aqe.json("report", "generate", "--format", "openmetrics", "--output", out, env=_NO_CI)
    assert code == 0, (env, err)
    metrics = out.read_text()
    want = gd["lines_covered"] / gd["lines"]
    ratio = [l for l in metrics.splitlines() if l.startswith("aqe_coverage_diff_ratio{")]
    assert len(ratio) == 1 and 'base="main"' in ratio[0], metrics
    assert abs(float(ratio[0].rsplit(" ", 1)[1]) - want) < 1e-9
    assert f'aqe_coverage_diff_lines{{branch="feature",command="execute",base="main"}} {gd["lines"]}' in metrics
    p = subprocess.run(["promtool", "check", "metrics"], input=metrics, capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stdout + p.stderr

    out = root / "out" / "report.json"
    code, env, err = aqe.json("report", "generate", "--format", "json", "--output", out, env=_NO_CI)
    assert code == 0, (env, err)
    dc = json.loads(out.read_text())["diff_coverage"]
    assert dc["measured"] and dc["lines"] == gd["lines"] and dc["covered"] == gd["lines_covered"]
    assert dc["uncovered"] == uncovered
