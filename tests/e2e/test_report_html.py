"""The HTML report opened in headless Chromium: the DOM after the page's script ran shows the
document's totals, file rows, failures and sources, unmeasured sections as unknown, project
text as text, and no request leaves the file (every request would go to a listener the test
starts on 127.0.0.1 as Chromium's proxy, loopback included). Chromium itself calls Google's
services (network time, component updates, accounts) whatever the flags; those hosts are told
apart by name, and the page contains no URL at all (tests/unit/report/html_test.cc).

Two sources of pages: `aqe report generate --format html` on a demo project measured by
`aqe execute --coverage` (with one failing test whose message holds `</script>`), and the unit
test binary (tests/unit/report/html_test.cc writes pages of tests/data/report/report_v1.json and
its variants to $AQE_HTML_OUT) for what a demo run cannot hold: unmeasured sections, a partial run,
a gate, findings, trends and a comparison.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import REPO, SYSTEM_PYTHON, Aqe, _aqe_bin

FIXTURE = REPO / "tests" / "data" / "report" / "report_v1.json"
BREAKOUT = "</script><script>alert(1)</script>"


# Where Chromium's own background requests go (not the page's).
BROWSER_OWN = (".google.com", ".googleapis.com", ".gvt1.com", ".gstatic.com")


def request_host(first_line):
    """The host of a proxied request line: `CONNECT h:443 HTTP/1.1` or `GET http://h/x HTTP/1.1`."""
    parts = first_line.split(" ")
    if len(parts) < 2:
        return first_line
    target = parts[1]
    if parts[0] != "CONNECT":
        target = target.split("://", 1)[-1].split("/", 1)[0]
    return target.rsplit(":", 1)[0] if ":" in target else target


class Listener:
    """A TCP listener on 127.0.0.1 that records the first line of every connection that sends one."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.seen = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn):
        # Chromium opens proxy sockets ahead of need and may close them unused: a connection
        # that sends nothing is not a request. One thread each, so an idle one blocks no other.
        with conn:
            conn.settimeout(30)
            try:
                first = conn.recv(512)
            except OSError:
                return
            if not first:
                return
            self.seen.append(first.split(b"\r\n", 1)[0].decode("latin-1"))
            try:
                conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            except OSError:
                pass

    def page_requests(self):
        """What was asked for, less Chromium's own calls to Google's services."""
        return [line for line in self.seen if not ("." + request_host(line)).endswith(BROWSER_OWN)]

    def close(self):
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.close()


@pytest.fixture(scope="module")
def chromium():
    path = shutil.which("chromium")
    if not path:
        pytest.fail("chromium is not installed: run scripts/install-deps.sh")
    return path


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """The fixture pages, rendered by render_html through the unit test binary."""
    out = tmp_path_factory.mktemp("html")
    unit = Path(_aqe_bin()).parent / "aqe_unit_tests"
    assert unit.exists(), f"{unit} is not built"
    env = dict(os.environ, AQE_HTML_OUT=str(out))
    p = subprocess.run([str(unit), "--gtest_filter=ReportHtml.*"], env=env, capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-2000:]
    for name in ("report_v1.html", "report_null.html", "report_partial.html", "report_breakout.html"):
        assert (out / name).is_file(), name
    return out


def render(chromium, url, tmp_path, listener, screenshot=None, size="1280,2000"):
    """The DOM of `url` after its script ran (and, with `screenshot`, a PNG of it)."""
    args = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-extensions", f"--user-data-dir={tmp_path / 'chromium-profile'}",
            f"--proxy-server=http://127.0.0.1:{listener.port}", "--proxy-bypass-list=<-loopback>",
            # Lets the page's asynchronous work (inflating a source) finish before the dump.
            "--virtual-time-budget=5000", f"--window-size={size}"]
    if screenshot:
        p = subprocess.run(args + [f"--screenshot={screenshot}", url], capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr[-2000:]
    p = subprocess.run(args + ["--dump-dom", url], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "<main" in p.stdout, p.stdout[:2000] + p.stderr[-2000:]
    return p.stdout


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    """The demo project measured by aqe execute, and its report as JSON and as HTML."""
    root = tmp_path_factory.mktemp("demo-report") / "demo"
    shutil.copytree(REPO / "examples" / "demo", root,
                    ignore=shutil.ignore_patterns(".aqe", ".venv", "__pycache__", ".coverage*", "generated",
                                                  ".pytest_cache"))
    (root / "tests" / "test_zz_html.py").write_text(
        "def test_message_with_markup():\n"
        f"    assert {BREAKOUT!r} == 'expected'\n")
    aqe = Aqe(_aqe_bin(), root)
    code, run, err = aqe.json("execute", "tests", "--python", SYSTEM_PYTHON, "--coverage", timeout=300)
    assert code == 1, err
    code, env, err = aqe.json("report", "generate", "--format", "json", "--output", "out/report.json")
    assert code == 0, err
    code, env, err = aqe.json("report", "generate", "--format", "html", "--output", "out/report.html")
    assert code == 0, err
    return {"root": root, "run": run["data"], "doc": json.loads((root / "out" / "report.json").read_text()),
            "page": root / "out" / "report.html"}


def shown(v):
    """A rate as aqe shows it: at most two decimals, no trailing zeros."""
    return ("%.2f" % v).rstrip("0").rstrip(".")


class Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe:
    NUL-terminated JSON on fds 3 and 4), so a test can click, type and press keys in the page."""

    def __init__(self, chromium, tmp_path, listener, url):
        to_browser_r, self._out = os.pipe()
        self._in, from_browser_w = os.pipe()

        def place_pipes():
            # dup first: a pipe already on fd 3 or 4 would keep its close-on-exec flag.
            a, b = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
             "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
             f"--user-data-dir={tmp_path / 'chromium-cdp'}", f"--proxy-server=http://127.0.0.1:{listener.port}",
             "--proxy-bypass-list=<-loopback>", "--window-size=1280,2000", "--remote-debugging-pipe", "about:blank"],
            close_fds=False, preexec_fn=place_pipes, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buf, self._id = b"", 0
        target = self.call("Target.createTarget", {"url": url})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for _ in range(100):
            if self.eval("document.readyState === 'complete' && !!document.querySelector('footer')"):
                return
            time.sleep(0.1)
        raise AssertionError("the report page did not finish drawing")

    def call(self, method, params=None, session=None):
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._out, json.dumps(msg).encode() + b"\0")
        while True:
            while b"\0" not in self._buf:
                chunk = os.read(self._in, 1 << 16)
                assert chunk, "chromium closed the DevTools pipe"
                self._buf += chunk
            line, self._buf = self._buf.split(b"\0", 1)
            reply = json.loads(line)
            if reply.get("id") == self._id:
                assert "error" not in reply, reply
                return reply["result"]

    def eval(self, expression):
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True},
                      self.session)
        assert "exceptionDetails" not in r, r
        return r["result"].get("value")

    def key(self, key, code, keycode, text=None):
        for kind in ("keyDown", "keyUp"):
            params = {"type": kind, "key": key, "code": code, "windowsVirtualKeyCode": keycode}
            if text and kind == "keyDown":
                params["text"] = text
            self.call("Input.dispatchKeyEvent", params, self.session)

    def close(self):
        try:
            self.call("Browser.close")
        except (AssertionError, OSError):
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._out)
        os.close(self._in)


def card_value(dom, metric):
    m = re.search(r'<div class="card" data-metric="%s">.*?<div class="value[^"]*">(.*?)</div>' % re.escape(metric),
                  dom, re.S)
    assert m, f"no {metric} card"
    return re.sub(r"<[^>]+>", "", m.group(1))


def unescape(s):
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")


def test_listener_sees_a_page_that_does_load_something(chromium, tmp_path, listener):
    # The control: the same browser flags do send a page's requests to the listener.
    page = tmp_path / "loads.html"
    page.write_text('<!DOCTYPE html><img src="http://example.test/pixel.png"><main></main>')
    render(chromium, page.as_uri(), tmp_path, listener)
    assert [request_host(line) for line in listener.page_requests()] == ["example.test"], listener.seen


def test_generated_report_shows_the_measured_run(chromium, demo_report, tmp_path, listener):
    doc, run = demo_report["doc"], demo_report["run"]
    shot = Path(_aqe_bin()).parent / "report.png"
    dom = render(chromium, demo_report["page"].as_uri(), tmp_path, listener, screenshot=shot)
    assert shot.stat().st_size > 10_000

    assert card_value(dom, "tests") == str(run["tests_run"]) == str(doc["tests"]["total"])
    assert card_value(dom, "pass_rate") == shown(doc["tests"]["pass_rate"]) + "%"
    assert card_value(dom, "line_coverage") == shown(100 * run["coverage"]["line_rate"]) + "%"
    assert card_value(dom, "branch_coverage") == shown(100 * run["coverage"]["branch_rate"]) + "%"
    for metric, text in (("gate", "not run"), ("findings", "not scanned"), ("generated", "not run")):
        assert card_value(dom, metric) == text, metric
    rows = re.findall(r'<tr class="file-row" data-path="([^"]*)"', dom)
    assert sorted(rows) == sorted(f["file"] for f in run["coverage"]["files"])
    assert "Failures (1)" in dom
    failure = doc["tests"]["failures"][0]
    assert failure["test"] == "tests/test_zz_html.py::test_message_with_markup"
    assert f'<div class="test">{failure["test"]}</div>' in dom
    assert f"{failure['file']}:{failure['line']}" in dom
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in dom  # the message, as text
    assert dom.count("<script") == 3
    assert listener.page_requests() == []


def test_generated_report_opens_a_source(chromium, demo_report, tmp_path, listener):
    f = next(f for f in demo_report["doc"]["coverage"]["files"] if f["missing_lines"] and f["partial_branches"])
    url = demo_report["page"].as_uri() + "#file=" + f["path"].replace("/", "%2F")
    dom = render(chromium, url, tmp_path, listener)
    lines = len((demo_report["root"] / f["path"]).read_text().splitlines())
    missing = [int(n) for n in re.findall(r'<tr class="miss"><td class="ln">(\d+)</td>', dom)]
    assert missing == [n for n in f["missing_lines"] if n <= lines]
    partial = {int(n) for n in re.findall(r'<tr class="part"><td class="ln">(\d+)</td>', dom)}
    assert partial == {a for a, _ in f["partial_branches"]} - set(f["missing_lines"])
    assert listener.page_requests() == []


def test_report_shows_totals_rows_and_failures(chromium, pages, tmp_path, listener):
    doc = json.loads(FIXTURE.read_text())
    shot = Path(_aqe_bin()).parent / "report-fixture.png"
    dom = render(chromium, (pages / "report_v1.html").as_uri(), tmp_path, listener, screenshot=shot)
    assert shot.stat().st_size > 10_000

    t, cov = doc["tests"], doc["coverage"]
    assert card_value(dom, "tests") == str(t["total"])
    assert card_value(dom, "pass_rate") == shown(t["pass_rate"]) + "%"
    assert card_value(dom, "line_coverage") == shown(cov["line_rate"]) + "%"
    assert card_value(dom, "branch_coverage") == shown(cov["branch_rate"]) + "%"
    assert card_value(dom, "gate") == "failed"
    assert card_value(dom, "findings") == str(sum(doc["security"]["counts"].values()))
    assert card_value(dom, "generated") == str(doc["generate"]["tests_generated"])
    assert card_value(dom, "cost") == "$0.42"  # the usage ledger's total, 7 calls

    rows = re.findall(r'<tr class="file-row" data-path="([^"]*)"', dom)
    assert sorted(rows) == sorted(f["path"] for f in cov["files"])
    for f in t["failures"]:
        assert unescape(f["test"]) in unescape(dom)
        assert f["message"] in unescape(dom)
    assert "tests/test_cart.py:27" in dom
    assert "Failures (3)" in dom
    for c in doc["gate"]["conditions"]:
        assert f"<code>{c['metric']}</code>" in dom
    assert doc["comparison"]["base_commit"][:12] in dom
    assert "compared with run #7" in dom
    assert 'id="trend-coverage"' in dom and "<svg" in dom and "<path" in dom
    # Findings of runs 8, 10 and 12 (run 9's commit had no scan: a gap, not a zero).
    findings = re.search(r'<figure class="chart" id="trend-findings">.*?</figure>', dom).group(0)
    assert findings.count("<circle") == 3 and "from 0 (run 8) to 3 (run 12)" in findings
    cost = re.search(r'<figure class="chart" id="trend-cost">.*?</figure>', dom).group(0)
    assert "fewer than 2 measured points" in cost and "<svg" not in cost
    assert listener.page_requests() == []


def test_slowest_flaky_findings_and_cost_are_shown(chromium, pages, tmp_path, listener):
    doc = json.loads(FIXTURE.read_text())
    b = Browser(chromium, tmp_path, listener, (pages / "report_v1.html").as_uri())
    try:
        def rows_after(heading):
            return b.eval(f"""(() => {{
              const h = [...document.querySelectorAll('h3')].find(h => h.textContent === {json.dumps(heading)});
              return [...h.nextElementSibling.querySelectorAll('tbody tr')]
                .map(r => [...r.cells].map(c => c.textContent));
            }})()""")

        # Slowest tests in the document's order, durations as the page formats them.
        assert rows_after("Slowest tests") == [
            [s["test"], f"{s['duration_s']:.2f} s" if s["duration_s"] >= 1 else f"{round(s['duration_s'] * 1000)} ms"]
            for s in doc["tests"]["slowest"]]
        assert rows_after("Slowest tests")[0] == ["tests/test_checkout.py::test_checkout_large_order", "1.52 s"]
        # Flaky tests with their history: how often, last seen.
        assert rows_after("Flaky tests") == [["tests/test_checkout.py::test_checkout_timeout", "3",
                                              "2026-12-02T00:58:43Z"]]
        # Findings, most severe first, with the snippet as stored (redacted), never the secret.
        findings = b.eval("""[...document.querySelectorAll('#security tbody tr')].map(r => ({
            severity: r.cells[0].textContent, rule: r.cells[1].querySelector('code').textContent,
            where: r.cells[2].textContent, snippet: (r.cells[3].querySelector('pre') || {}).textContent}))""")
        assert [f["severity"] for f in findings] == ["high", "low", "low"]
        assert findings[0] == {"severity": "high", "rule": "secrets.aws-access-key", "where": "src/shop/settings.py:3:14",
                               "snippet": 'AWS_KEY = "AKIA************MPLE"'}
        assert b.eval("document.body.textContent.includes('Snippets are redacted.')")
        assert not b.eval("/AKIA[A-Z0-9]{16}/.test(document.body.textContent)")
        # The AI cost card: the ledger's total and its calls.
        cost = b.eval("""(() => { const c = document.querySelector('.card[data-metric="cost"]');
            return [c.querySelector('.label').textContent, c.querySelector('.value').textContent,
                    c.querySelector('.sub').textContent]; })()""")
        assert cost == ["AI cost", "$0.42", "7 calls"]
    finally:
        b.close()
    assert listener.page_requests() == []


def test_opened_file_marks_missing_lines_and_partial_branches(chromium, pages, tmp_path, listener):
    dom = render(chromium, (pages / "report_v1.html").as_uri() + "#file=src%2Fshop%2Fcart.py", tmp_path, listener)
    missing = [int(n) for n in re.findall(r'<tr class="miss"><td class="ln">(\d+)</td>', dom)]
    partial = re.findall(r'<tr class="part"><td class="ln">(\d+)</td>.*?<td class="note">([^<]*)</td>', dom)
    assert missing == [10, 21]
    assert partial == [("9", "didn't jump to line 10"), ("20", "didn't jump to line 21")]
    assert 'raise ValueError("qty must be positive")' in dom
    # Only the opened file was drawn.
    assert dom.count('class="src-row"') == 1

    dom = render(chromium, (pages / "report_v1.html").as_uri() + "#file=src%2Fshop%2Fgenerated_schema.py",
                 tmp_path, listener)
    assert "Source not available: src/shop/generated_schema.py" in dom
    assert listener.page_requests() == []


def test_unmeasured_sections_say_so(chromium, pages, tmp_path, listener):
    dom = render(chromium, (pages / "report_null.html").as_uri(), tmp_path, listener)
    for metric in ("tests", "pass_rate", "duration", "line_coverage", "branch_coverage"):
        assert card_value(dom, metric) == "not measured", metric
    assert card_value(dom, "gate") == "not run"
    assert card_value(dom, "findings") == "not scanned"
    assert card_value(dom, "generated") == "not run"
    assert "Coverage was not measured for this run." in dom
    assert "Trends need at least 2 complete runs of this branch; this report has 0." in dom
    assert 'class="file-row"' not in dom
    assert listener.page_requests() == []


def test_partial_run_and_unmeasured_base(chromium, pages, tmp_path, listener):
    dom = render(chromium, (pages / "report_partial.html").as_uri(), tmp_path, listener, size="390,2000")
    assert 'id="partial"' in dom and "did not complete (status: interrupted)" in dom
    assert "Tests (partial)" in dom
    assert "unknown: base commit 9d8e7f6a5b4c was never measured" in dom
    assert "this report has 1." in dom
    assert listener.page_requests() == []


def test_project_text_stays_text(chromium, pages, tmp_path, listener):
    dom = render(chromium, (pages / "report_breakout.html").as_uri() + "#file=src%2F" +
                 "%3C%2Fscript%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E.py", tmp_path, listener)
    assert dom.count("<script") == 3, dom.count("<script")
    assert '<div class="test">&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</div>' in dom
    assert "x = '&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;'" in dom  # the opened source
    assert listener.page_requests() == []


ROWS = "[...document.querySelectorAll('tr.file-row')].filter(r => !r.hidden).map(r => r.dataset.path)"


def test_coverage_table_sorts_filters_and_works_from_the_keyboard(chromium, pages, tmp_path, listener):
    files = json.loads(FIXTURE.read_text())["coverage"]["files"]
    b = Browser(chromium, tmp_path, listener, (pages / "report_v1.html").as_uri())
    try:
        assert b.eval(ROWS) == sorted(f["path"] for f in files)
        # The first file's button, from the keyboard: Enter opens its source, Enter again closes it.
        assert b.eval("document.querySelector('tr.file-row button').focus(); document.activeElement.textContent") \
            == "src/shop/cart.py"
        b.key("Enter", "Enter", 13, "\r")
        for _ in range(50):
            if b.eval("document.querySelectorAll('tr.src-row tr.miss').length") == 2:
                break
            time.sleep(0.1)
        assert b.eval("document.querySelectorAll('tr.src-row tr.miss').length") == 2
        assert b.eval("document.activeElement.getAttribute('aria-expanded')") == "true"
        b.key("Enter", "Enter", 13, "\r")
        assert b.eval("document.querySelectorAll('tr.src-row').length") == 0

        # Sort headers are buttons: Line % sorts lowest first, a second click reverses.
        by_rate = [f["path"] for f in sorted(files, key=lambda f: (f["line_rate"], f["path"]))]
        assert b.eval("document.querySelector('#coverage-table th:nth-child(3) button').click();" + ROWS) == by_rate
        assert b.eval("document.querySelector('#coverage-table th:nth-child(3)').getAttribute('aria-sort')") \
            == "ascending"
        assert b.eval("document.querySelector('#coverage-table th:nth-child(3) button').click();" + ROWS) \
            == by_rate[::-1]

        # Typing in the filter hides the other rows; Tab goes on to the table's first sort button.
        assert b.eval("document.getElementById('coverage-filter').focus(); document.activeElement.id") \
            == "coverage-filter"
        for ch in "pric":
            b.call("Input.insertText", {"text": ch}, b.session)
        assert b.eval(ROWS) == ["src/shop/pricing.py"]
        assert b.eval("document.getElementById('coverage-count').textContent") == "Showing 1 of 3 files"
        b.key("Tab", "Tab", 9)
        assert b.eval("document.activeElement.closest('th') !== null && document.activeElement.tagName") \
            == "BUTTON"
    finally:
        b.close()
    assert listener.page_requests() == []


def test_dark_scheme_and_phone_width(chromium, pages, tmp_path, listener):
    b = Browser(chromium, tmp_path, listener, (pages / "report_v1.html").as_uri())
    try:
        background = "getComputedStyle(document.body).backgroundColor"
        assert b.eval(background) == "rgb(255, 255, 255)"
        b.call("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]},
               b.session)
        assert b.eval(background) == "rgb(13, 17, 23)"
        # A phone: nothing wider than the screen but the tables' own scroll boxes, two cards a row.
        b.call("Emulation.setDeviceMetricsOverride",
               {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True}, b.session)
        assert b.eval("document.documentElement.scrollWidth") <= 390
        assert b.eval("getComputedStyle(document.querySelector('.cards')).gridTemplateColumns.split(' ').length") == 2
        assert b.eval("getComputedStyle(document.querySelector('th.hide-narrow')).display") == "none"
    finally:
        b.close()
    assert listener.page_requests() == []
