"""The HTML report opened in headless Chromium: the DOM after the page's script ran shows the
document's totals, file rows, failures and sources, unmeasured sections as unknown, project
text as text, and no request leaves the file (every request would go to a listener the test
starts on 127.0.0.1 as Chromium's proxy, loopback included). Chromium itself calls Google's
services (network time, component updates, accounts) whatever the flags; those hosts are told
apart by name, and the page contains no URL at all (tests/unit/report/html_test.cc).

The pages come from the unit test binary (tests/unit/report/html_test.cc writes them to
$AQE_HTML_OUT from tests/data/report/report_v1.json), i.e. from aqe::report::render_html.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest

from conftest import REPO, _aqe_bin

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
    """A TCP listener on 127.0.0.1 that records the first bytes of every connection."""

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
            with conn:
                conn.settimeout(2)
                try:
                    first = conn.recv(512)
                except OSError:
                    first = b""
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


def test_report_shows_totals_rows_and_failures(chromium, pages, tmp_path, listener):
    doc = json.loads(FIXTURE.read_text())
    shot = Path(_aqe_bin()).parent / "report.png"
    dom = render(chromium, (pages / "report_v1.html").as_uri(), tmp_path, listener, screenshot=shot)
    assert shot.stat().st_size > 10_000

    t, cov = doc["tests"], doc["coverage"]
    assert card_value(dom, "tests") == str(t["total"])
    assert card_value(dom, "pass_rate") == f"{t['pass_rate']:.2f}%"
    assert card_value(dom, "line_coverage") == f"{cov['line_rate']:.1f}%"
    assert card_value(dom, "branch_coverage") == f"{cov['branch_rate']:.1f}%"
    assert card_value(dom, "gate") == "failed"
    assert card_value(dom, "findings") == str(sum(doc["security"]["counts"].values()))
    assert card_value(dom, "generated") == str(doc["generate"]["tests_generated"])
    assert 'data-metric="cost"' not in dom  # no AI usage in the document: no cost card

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
