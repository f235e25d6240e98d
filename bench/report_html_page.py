#!/usr/bin/env python3
"""How fast a report page is in the browser: headless Chromium (over the DevTools pipe, as
tests/e2e/test_report_html.py drives it) opens PAGE RUNS times and prints, per run, when the
page's script started and finished drawing (its performance marks), DOMContentLoaded, the time
to open the first project file's source and to sort the coverage table, and any request the page made.

    report_html_page.py PAGE.html [RUNS]
"""
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))
from test_report_html import Browser, Listener  # noqa: E402

OPEN_FIRST_FILE = """(async () => {
  const start = performance.now();
  const done = () => document.querySelector('tr.src-row table.src, tr.src-row .source-missing');
  // A MutationObserver, not a timer: headless background pages clamp timers to 1 s.
  const shown = new Promise((resolve) => {
    const watch = new MutationObserver(() => { if (done()) { watch.disconnect(); resolve(); } });
    watch.observe(document.getElementById('coverage-table'), { childList: true, subtree: true });
  });
  // The first file inside the project (coverage may also list files outside it, never read).
  [...document.querySelectorAll('tr.file-row')].find((r) => !r.dataset.path.startsWith('/'))
    .querySelector('button').click();
  await shown;
  const drawn = performance.now() - start;
  void document.body.offsetHeight;  // the layout the next frame would do
  return [drawn, performance.now() - start, document.querySelectorAll('tr.src-row tr').length];
})()"""
SORT = """(() => {
  const start = performance.now();
  document.querySelector('#coverage-table th:nth-child(3) button').click();
  return performance.now() - start;
})()"""


def main():
    page = Path(sys.argv[1]).resolve()
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    listener = Listener()
    try:
        for _ in range(runs):
            b = Browser("chromium", Path(tempfile.mkdtemp()), listener, page.as_uri())
            try:
                marks = dict(b.eval("performance.getEntriesByType('mark').map(m => [m.name, m.startTime])"))
                nav = json.loads(b.eval("JSON.stringify(performance.getEntriesByType('navigation')[0])"))
                rows = b.eval("document.querySelectorAll('tr.file-row').length")
                drawn_ms, opened_ms, lines = b.eval(OPEN_FIRST_FILE)
                sort_ms = b.eval(SORT)
            finally:
                b.close()
            print(f"{rows} file rows: script {marks['aqe-start']:.0f}-{marks['aqe-drawn']:.0f} ms "
                  f"(drawing {marks['aqe-drawn'] - marks['aqe-parsed']:.0f} ms), "
                  f"DOMContentLoaded {nav['domContentLoadedEventEnd']:.0f} ms; first file ({lines} lines) drawn in "
                  f"{drawn_ms:.0f} ms, laid out in {opened_ms:.0f} ms; sorted by line % in {sort_ms:.0f} ms")
        print("requests from the page:", listener.page_requests())
    finally:
        listener.close()


if __name__ == "__main__":
    main()
