// Draws the aqe report from the JSON embedded in this file. Project text (test names,
// messages, paths, sources) only ever reaches the page as text nodes or attribute values.
(function () {
  'use strict';
  performance.mark('aqe-start');

  const main = document.getElementById('main');

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    setAttrs(e, attrs);
    add(e, ...kids);
    return e;
  }
  function svg(tag, attrs, ...kids) {
    const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
    setAttrs(e, attrs);
    add(e, ...kids);
    return e;
  }
  function setAttrs(e, attrs) {
    if (!attrs) return;
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      e.setAttribute(k, v === true ? '' : String(v));
    }
  }
  function add(e, ...kids) {
    for (const k of kids) {
      if (k === null || k === undefined || k === false) continue;
      if (Array.isArray(k)) { for (const x of k) add(e, x); }
      else e.appendChild(k instanceof Node ? k : document.createTextNode(String(k)));
    }
  }

  const isNum = (v) => typeof v === 'number' && isFinite(v);
  const unknown = (text) => el('span', { class: 'unknown' }, text || 'not measured');
  const numbers = new Intl.NumberFormat('en-US');  // one formatter: toLocaleString builds one per call
  const int = (v) => isNum(v) ? numbers.format(v) : unknown('unknown');
  // A rate as every aqe surface shows it: at most two decimals, no trailing zeros.
  const shown = (v) => v.toFixed(2).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  const pct = (v) => isNum(v) ? shown(v) + '%' : unknown(v === null ? 'not measured' : 'unknown');
  function seconds(v) {
    if (!isNum(v)) return unknown('unknown');
    if (v < 1) return Math.round(v * 1000) + ' ms';
    if (v < 60) return v.toFixed(2) + ' s';
    const m = Math.floor(v / 60);
    return m + ' min ' + Math.round(v - m * 60) + ' s';
  }
  const delta = (v, unit) => isNum(v) ? (v > 0 ? '+' : '') + v.toFixed(2) + unit : unknown('unknown');
  const usd = (v) => '$' + (v < 0.01 && v > 0 ? v.toFixed(4) : v.toFixed(2));
  const shortCommit = (c) => typeof c === 'string' && c ? c.slice(0, 12) : 'unknown';
  const text = (v) => typeof v === 'string' ? v : (v === null || v === undefined ? '' : String(v));
  const place = (file, line) => text(file) + (isNum(line) ? ':' + line : '');

  function bar(rate) {
    if (!isNum(rate)) return null;
    const inner = el('span');
    inner.style.width = Math.max(0, Math.min(100, rate)) + '%';
    return el('span', { class: 'bar' + (rate < 50 ? ' low' : rate < 80 ? ' mid' : ''), 'aria-hidden': 'true' }, inner);
  }
  function card(metric, label, value, sub, cls) {
    return el('div', { class: 'card', 'data-metric': metric },
      el('div', { class: 'label' }, label),
      el('div', { class: 'value' + (cls ? ' ' + cls : '') }, value),
      sub ? el('div', { class: 'sub' }, sub) : null);
  }
  function section(id, title, ...kids) {
    nav.push([id, title]);
    return el('section', { id: id, 'aria-labelledby': id + '-h' }, el('h2', { id: id + '-h' }, title), ...kids);
  }
  function table(head, rows, cls) {
    return el('div', { class: 'table-wrap' }, el('table', { class: cls || null },
      el('thead', null, el('tr', null, head.map((h) => el('th', { scope: 'col', class: h.num ? 'num' : null }, h.label || h)))),
      el('tbody', null, rows)));
  }
  function idList(ids, none) {
    if (!Array.isArray(ids) || !ids.length) return el('p', null, none);
    return el('ul', { class: 'ids' }, ids.map((t) => el('li', null, el('code', null, text(t)))));
  }

  const nav = [];
  const fileItems = new Map();
  let doc;
  try {
    doc = JSON.parse(document.getElementById('aqe-data').textContent);
  } catch (e) {
    add(main, el('p', { class: 'bad' }, 'The report data in this file cannot be read: ' + e.message));
    return;
  }
  let sourceData = null;
  function sources() {
    if (!sourceData) {
      try { sourceData = JSON.parse(document.getElementById('aqe-sources').textContent); } catch (e) { sourceData = { files: {}, capped: [] }; }
    }
    return sourceData;
  }

  if (doc.schema !== 'aqe-report' || doc.version !== 1) {
    add(main, el('p', { class: 'banner' }, 'This page reads aqe report documents of version 1; this one says ' +
      text(doc.schema) + ' version ' + text(doc.version) + '. Some sections may be missing.'));
  }

  const t = doc.tests, cov = doc.coverage, gate = doc.gate, sec = doc.security, gen = doc.generate, cost = doc.cost;
  document.title = 'aqe quality report' + (doc.branch ? ' · ' + doc.branch : '');
  add(document.getElementById('meta'),
    'Branch ', el('strong', null, doc.branch ? text(doc.branch) : 'unknown'),
    ' · commit ', el('code', { title: text(doc.commit) }, shortCommit(doc.commit)),
    t ? [' · run #', text(t.run_id), t.started_at ? ' started ' + text(t.started_at) : ''] : '',
    ' · generated ', text(doc.generated_at), ' by aqe ', text(doc.aqe_version));

  if (t && t.complete === false) {
    add(main, el('p', { class: 'banner', id: 'partial', role: 'note' }, el('strong', null, 'Partial run. '),
      'Run #' + text(t.run_id) + ' did not complete (status: ' + text(t.status) +
      '); its figures cover only the tests that ran before it stopped.'));
  }

  // Summary cards.
  function summary() {
    const cards = [];
    if (t) {
      const bad = (t.failed || 0) + (t.errors || 0) > 0;
      cards.push(card('tests', 'Tests' + (t.complete === false ? ' (partial)' : ''), int(t.total),
        [int(t.passed), ' passed · ', int(t.failed), ' failed · ', int(t.skipped), ' skipped · ', int(t.errors),
          ' errors · ', int(t.flaky), ' flaky'], bad ? 'bad' : 'good'));
      cards.push(card('pass_rate', 'Pass rate', isNum(t.pass_rate) ? pct(t.pass_rate) : unknown('unknown (nothing ran)'),
        null, isNum(t.pass_rate) ? (t.pass_rate < 100 ? 'bad' : 'good') : null));
      cards.push(card('duration', 'Duration', seconds(t.duration_s), isNum(t.workers) ? t.workers + (t.workers === 1 ? ' worker' : ' workers') : null));
    } else {
      cards.push(card('tests', 'Tests', unknown(), 'no execute run recorded'));
      cards.push(card('pass_rate', 'Pass rate', unknown()));
      cards.push(card('duration', 'Duration', unknown()));
    }
    if (cov) {
      cards.push(card('line_coverage', 'Line coverage', pct(cov.line_rate), [int(cov.lines_covered), ' of ', int(cov.lines_total), ' lines']));
      cards.push(card('branch_coverage', 'Branch coverage', pct(cov.branch_rate),
        isNum(cov.branch_rate) ? [int(cov.branches_covered), ' of ', int(cov.branches_total), ' branches'] : 'no branch data'));
    } else {
      cards.push(card('line_coverage', 'Line coverage', unknown()));
      cards.push(card('branch_coverage', 'Branch coverage', unknown()));
    }
    if (gate) {
      const verdict = gate.skipped ? 'skipped' : gate.passed ? 'passed' : 'failed';
      cards.push(card('gate', 'Quality gate', verdict,
        [isNum(gate.score) ? 'score ' + gate.score.toFixed(2) : 'score unknown', isNum(gate.threshold) ? ' / ' + gate.threshold : '',
          gate.blocking === false ? ' · not blocking' : ''],
        gate.skipped ? 'unknown' : gate.passed ? 'good' : 'bad'));
    } else {
      cards.push(card('gate', 'Quality gate', unknown('not run')));
    }
    if (sec) {
      const c = sec.counts || {};
      const total = ['critical', 'high', 'medium', 'low'].reduce((s, k) => s + (isNum(c[k]) ? c[k] : 0), 0);
      cards.push(card('findings', 'Security findings', int(total),
        [int(c.critical), ' critical · ', int(c.high), ' high · ', int(c.medium), ' medium · ', int(c.low), ' low'],
        (c.critical || 0) + (c.high || 0) > 0 ? 'bad' : total ? 'warn' : 'good'));
    } else {
      cards.push(card('findings', 'Security findings', unknown('not scanned')));
    }
    cards.push(gen ? card('generated', 'Tests generated', int(gen.tests_generated), gen.engine ? 'engine ' + text(gen.engine) : null)
      : card('generated', 'Tests generated', unknown('not run')));
    if (cost) cards.push(card('cost', 'AI cost', isNum(cost.total_usd) ? '$' + cost.total_usd.toFixed(2) : unknown('unknown'), [int(cost.calls), ' calls']));
    return section('summary', 'Summary', el('div', { class: 'cards' }, cards));
  }

  function gateSection() {
    if (!gate) return section('gate', 'Quality gate', el('p', null, unknown('No quality-gate run recorded.')));
    const rows = (gate.conditions || []).map((c) => el('tr', null,
      el('td', null, el('code', null, text(c.metric))),
      el('td', { class: 'num' }, text(c.op) + ' ' + text(c.threshold)),
      el('td', { class: 'num' }, isNum(c.actual) ? String(c.actual) : unknown('unknown')),
      el('td', { class: c.passed ? 'good' : 'bad' }, c.passed ? 'passed' : 'failed')));
    return section('gate', 'Quality gate',
      el('p', null, 'Run #', text(gate.run_id), ', profile ', el('code', null, text(gate.profile)), ': ',
        el('strong', { class: gate.skipped ? 'unknown' : gate.passed ? 'good' : 'bad' }, gate.skipped ? 'skipped' : gate.passed ? 'passed' : 'failed'),
        gate.blocking === false ? ' (not blocking)' : '',
        isNum(gate.score) ? ', score ' + gate.score.toFixed(2) + (isNum(gate.threshold) ? ' (threshold ' + gate.threshold + ')' : '') : ''),
      rows.length ? table(['Condition', { label: 'Required', num: true }, { label: 'Actual', num: true }, 'Result'], rows)
        : el('p', null, 'No conditions.'));
  }

  function comparisonSection() {
    const c = doc.comparison;
    if (!c) return section('comparison', 'Comparison', el('p', null, unknown('No comparison: generate the report with --base-branch BRANCH to compare with a base branch.')));
    const head = el('p', null, 'Base branch ', el('strong', null, text(c.base_branch)), ' at commit ',
      el('code', { title: text(c.base_commit) }, c.base_commit ? shortCommit(c.base_commit) : 'unknown'),
      isNum(c.base_run_id) ? ', compared with run #' + c.base_run_id : '');
    if (!c.measured) {
      return section('comparison', 'Comparison', head, el('p', { class: 'banner', id: 'comparison-reason' },
        c.reason ? text(c.reason) : 'unknown: the base was not measured'));
    }
    // null = no scan on one side: unknown, never "0 new findings".
    const findings = Array.isArray(c.new_findings) ? c.new_findings : null;
    return section('comparison', 'Comparison', head,
      el('div', { class: 'cards' },
        card('line_delta', 'Line coverage change', delta(c.line_rate_delta, ' pp'), null, isNum(c.line_rate_delta) && c.line_rate_delta < 0 ? 'bad' : null),
        card('branch_delta', 'Branch coverage change', delta(c.branch_rate_delta, ' pp'), null, isNum(c.branch_rate_delta) && c.branch_rate_delta < 0 ? 'bad' : null),
        card('new_failures', 'New failures', int((c.new_failures || []).length), null, (c.new_failures || []).length ? 'bad' : 'good'),
        card('fixed', 'Fixed', int((c.fixed || []).length)),
        card('newly_flaky', 'Newly flaky', int((c.newly_flaky || []).length), null, (c.newly_flaky || []).length ? 'warn' : null),
        card('new_findings', 'New findings', findings ? int(findings.length) : unknown('not scanned'), null,
          findings ? (findings.length ? 'bad' : 'good') : null)),
      el('h3', null, 'New failures'), idList(c.new_failures, 'None.'),
      el('h3', null, 'Fixed'), idList(c.fixed, 'None.'),
      el('h3', null, 'Newly flaky'), idList(c.newly_flaky, 'None.'),
      el('h3', null, 'New findings'),
      !findings ? el('p', null, unknown('unknown: no security-scan recorded for one of the two commits')) :
      findings.length ? table(['Severity', 'Rule', 'Location'], findings.map((f) => el('tr', null,
        el('td', { class: 'sev-' + text(f.severity) }, text(f.severity)), el('td', null, el('code', null, text(f.rule_id))),
        el('td', null, el('code', null, place(f.file, f.line)))))) : el('p', null, 'None.'));
  }

  // Coverage by file: rows are built once; sorting moves them, filtering hides them, and a
  // file's source is drawn only when it is opened.
  function coverageSection() {
    if (!cov) return section('coverage', 'Coverage by file', el('p', null, unknown('Coverage was not measured for this run.')));
    const files = (Array.isArray(cov.files) ? cov.files : []).map((f) => ({ f: f, id: '', tr: null, src: null, button: null }));
    const tbody = el('tbody');
    const count = el('span', { id: 'coverage-count', 'aria-live': 'polite' });
    const columns = [
      // The first click sorts the way that finds work first: lowest rates, largest counts.
      { key: 'path', label: 'File', up: true, value: (f) => text(f.path) },
      { key: 'lines', label: 'Lines', num: true, up: false, value: (f) => f.lines_total },
      { key: 'line_rate', label: 'Line %', num: true, up: true, value: (f) => f.line_rate },
      { key: 'branches', label: 'Branches', num: true, up: false, value: (f) => f.branches_total, narrow: true },
      { key: 'branch_rate', label: 'Branch %', num: true, up: true, value: (f) => f.branch_rate },
      { key: 'missing', label: 'Missing', num: true, up: false, value: (f) => Array.isArray(f.missing_lines) ? f.missing_lines.length : -1, narrow: true },
    ];
    let sortKey = 'path', ascending = true;
    const ths = columns.map((c) => {
      const b = el('button', { type: 'button' }, c.label);
      const th = el('th', { scope: 'col', class: (c.num ? 'num' : '') + (c.narrow ? ' hide-narrow' : ''), 'aria-sort': c.key === sortKey ? 'ascending' : 'none' }, b);
      b.addEventListener('click', () => {
        ascending = sortKey === c.key ? !ascending : c.up;
        sortKey = c.key;
        for (const h of ths) h.setAttribute('aria-sort', 'none');
        th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        order();
      });
      return th;
    });
    // Rows are clones of one template with one click listener on the table body, so that
    // 2,000 files draw in a blink.
    const template = el('tr', { class: 'file-row' },
      el('td', null, el('button', { type: 'button', class: 'link', 'aria-expanded': 'false' })),
      el('td', { class: 'num' }), el('td', { class: 'num' }), el('td', { class: 'num hide-narrow' }),
      el('td', { class: 'num' }), el('td', { class: 'num hide-narrow' }));
    const byRow = new Map();
    function row(item, i) {
      const f = item.f;
      item.id = 'src-' + i;
      item.tr = template.cloneNode(true);
      item.tr.dataset.path = text(f.path);
      const cells = item.tr.children;
      item.button = cells[0].firstChild;
      item.button.textContent = text(f.path);
      item.button.setAttribute('aria-controls', item.id);
      add(cells[1], int(f.lines_covered), ' / ', int(f.lines_total));
      add(cells[2], bar(f.line_rate), el('span', { class: 'rate' }, pct(f.line_rate)));
      add(cells[3], isNum(f.branches_total) && f.branches_total > 0 ? [int(f.branches_covered), ' / ', int(f.branches_total)] : '–');
      add(cells[4], bar(f.branch_rate), el('span', { class: 'rate' },
        !isNum(f.branch_rate) && f.branches_total === 0 ? 'no branches' : pct(f.branch_rate)));
      // null = the run's per-line data is gone: unknown, not "0 missing".
      add(cells[5], Array.isArray(f.missing_lines) ? int(f.missing_lines.length) : unknown('unknown'));
      byRow.set(item.button, item);
    }
    tbody.addEventListener('click', (event) => {
      const button = event.target.closest('button.link');
      const item = button && byRow.get(button);
      if (item) toggle(item);
    });
    function order() {
      const col = columns.find((c) => c.key === sortKey);
      const sorted = files.slice().sort((a, b) => {
        const x = col.value(a.f), y = col.value(b.f);
        let r;
        if (typeof x === 'string' || typeof y === 'string') r = text(x).localeCompare(text(y));
        else r = (isNum(x) ? x : -1) - (isNum(y) ? y : -1);
        if (r === 0) r = text(a.f.path).localeCompare(text(b.f.path));
        return ascending ? r : -r;
      });
      const frag = document.createDocumentFragment();
      for (const item of sorted) { frag.appendChild(item.tr); if (item.src) frag.appendChild(item.src); }
      tbody.appendChild(frag);
    }
    function filter(query) {
      const q = query.trim().toLowerCase();
      let visible = 0;
      for (const item of files) {
        const hide = q !== '' && !text(item.f.path).toLowerCase().includes(q);
        item.tr.hidden = hide;
        if (item.src) item.src.hidden = hide;
        if (!hide) ++visible;
      }
      count.textContent = 'Showing ' + numbers.format(visible) + ' of ' + numbers.format(files.length) + ' files';
    }
    files.forEach(row);
    order();
    for (const item of files) fileItems.set(text(item.f.path), item);
    const search = el('input', { type: 'search', id: 'coverage-filter', placeholder: 'Filter files by path', 'aria-label': 'Filter files by path' });
    search.addEventListener('input', () => filter(search.value));
    filter('');
    return section('coverage', 'Coverage by file',
      el('p', null, pct(cov.line_rate), ' of lines (', int(cov.lines_covered), ' of ', int(cov.lines_total), ')',
        isNum(cov.branch_rate) ? [', ', pct(cov.branch_rate), ' of branches (', int(cov.branches_covered), ' of ', int(cov.branches_total), ')'] : ', branches not measured',
        ' in ', int(files.length), ' files. Open a file to see its source with missing lines and partial branches marked.'),
      el('div', { class: 'toolbar' }, search, count),
      el('div', { class: 'table-wrap' }, el('table', { id: 'coverage-table' },
        el('thead', null, el('tr', null, ths)), tbody)));
  }

  function toggle(item) {
    if (item.src) {
      item.src.remove();
      item.src = null;
      item.button.setAttribute('aria-expanded', 'false');
      return;
    }
    const cell = el('td', { colspan: '6' }, el('p', { class: 'unknown' }, 'Loading the source…'));
    item.src = el('tr', { class: 'src-row', id: item.id }, cell);
    item.tr.after(item.src);
    item.button.setAttribute('aria-expanded', 'true');
    return sourceView(item.f).then((view) => cell.replaceChildren(view));
  }

  // #file=PATH opens that file's source, so a link can point at one file of the report.
  function openFromHash() {
    const m = /^#file=(.*)$/.exec(window.location.hash);
    if (!m) return;
    let path;
    try { path = decodeURIComponent(m[1]); } catch (e) { return; }
    const item = fileItems.get(path);
    if (!item) return;
    if (!item.src) toggle(item);
    item.tr.scrollIntoView();
    item.button.focus();
  }

  // The embedded sources are gzip + base64; only the opened file is inflated.
  async function inflate(encoded) {
    const binary = atob(encoded);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; ++i) bytes[i] = binary.charCodeAt(i);
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Response(stream).text();
  }

  async function sourceView(f) {
    const path = text(f.path);
    const data = sources();
    const encoded = Object.prototype.hasOwnProperty.call(data.files, path) ? data.files[path] : undefined;
    if (typeof encoded !== 'string' || encoded === '') {
      return el('p', { class: 'unknown source-missing' }, 'Source not available: ' + path + ' could not be read from the project when the report was generated.');
    }
    let body;
    try {
      body = await inflate(encoded);
    } catch (e) {
      return el('p', { class: 'bad source-missing' }, 'This browser cannot read the embedded source of ' + path + ' (' + e.message + ').');
    }
    const missing = new Set(Array.isArray(f.missing_lines) ? f.missing_lines : []);
    const partial = new Map();
    for (const arc of Array.isArray(f.partial_branches) ? f.partial_branches : []) {
      if (!Array.isArray(arc) || arc.length !== 2) continue;
      if (!partial.has(arc[0])) partial.set(arc[0], []);
      partial.get(arc[0]).push(arc[1]);
    }
    const lines = body.split(/\r\n|\r|\n/);
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    // One cloned template row per line, in blocks of 400 lines that the browser lays out only
    // when scrolled to (content-visibility), so a 14,000-line file opens quickly.
    const BLOCK = 400;
    const template = el('tr', null, el('td', { class: 'ln' }), el('td'), el('td', { class: 'note' }));
    const blocks = [];
    for (let first = 0; first < lines.length; first += BLOCK) {
      const tbody = el('tbody');
      const last = Math.min(lines.length, first + BLOCK);
      for (let i = first; i < last; ++i) {
        const n = i + 1;
        const arcs = partial.get(n);
        const tr = template.cloneNode(true);
        if (missing.has(n)) tr.className = 'miss';
        else if (arcs) tr.className = 'part';
        tr.children[0].textContent = String(n);
        tr.children[1].textContent = lines[i] === '' ? ' ' : lines[i];
        if (arcs) tr.children[2].textContent = arcs.map((to) => to < 0 ? "didn't exit" : "didn't jump to line " + to).join('; ');
        tbody.appendChild(tr);
      }
      const block = el('div', { class: 'src-block' }, el('table', { class: 'src', role: 'presentation' },
        el('colgroup', null, el('col', { class: 'ln' }), el('col'), el('col', { class: 'note' })), tbody));
      block.style.containIntrinsicSize = 'auto ' + Math.ceil((last - first) * 1.3) + 'em';
      blocks.push(block);
    }
    return el('div', { class: 'source' },
      el('p', { class: 'legend' }, el('span', { class: 'miss' }, int(missing.size) + ' missing lines'),
        el('span', { class: 'part' }, int(partial.size) + ' lines with partial branches'),
        (data.capped || []).includes(path) ? ' Shown up to its first 1 MiB.' : ''),
      el('div', { class: 'src-lines', role: 'region', 'aria-label': 'Source of ' + path }, blocks));
  }

  function testsSection() {
    if (!t) return section('tests', 'Test results', el('p', null, unknown('No execute run recorded: the tests were not measured.')));
    const failures = Array.isArray(t.failures) ? t.failures : [];
    const slowest = Array.isArray(t.slowest) ? t.slowest : [];
    const flaky = Array.isArray(t.flaky_tests) ? t.flaky_tests : [];
    return section('tests', 'Test results',
      el('p', null, 'Run #', text(t.run_id), ' (', text(t.status), t.complete === false ? ', partial' : '', '): ',
        int(t.total), ' tests, ', int(t.passed), ' passed, ', int(t.failed), ' failed, ', int(t.skipped), ' skipped, ',
        int(t.errors), ' errors in ', seconds(t.duration_s), '.'),
      el('h3', { id: 'failures-h' }, 'Failures (' + failures.length + ')'),
      failures.length ? el('div', { id: 'failures' }, failures.map((f) => el('div', { class: 'failure' },
        el('div', { class: 'test' }, text(f.test)),
        f.file ? el('div', null, el('code', { class: 'where' }, place(f.file, f.line))) : null,
        f.message ? el('pre', { class: 'message' }, text(f.message)) : null,
        f.traceback ? el('details', null, el('summary', null, 'Traceback'), el('pre', null, text(f.traceback))) : null)))
        : el('p', null, (t.failed || 0) + (t.errors || 0) > 0 ? unknown('Failures were counted but no details were recorded.') : 'No failures.'),
      el('h3', null, 'Slowest tests'),
      slowest.length ? table(['Test', { label: 'Duration', num: true }], slowest.map((s) => el('tr', null,
        el('td', null, el('code', null, text(s.test))), el('td', { class: 'num' }, seconds(s.duration_s))))) : el('p', null, 'None recorded.'),
      el('h3', null, 'Flaky tests'),
      flaky.length ? table(['Test', { label: 'Times flaky', num: true }, 'Last seen'], flaky.map((s) => el('tr', null,
        el('td', null, el('code', null, text(s.test))), el('td', { class: 'num' }, int(s.count)), el('td', null, text(s.last_seen)))))
        : el('p', null, 'No flaky tests recorded.'));
  }

  function securitySection() {
    if (!sec) return section('security', 'Security findings', el('p', null, unknown('No security-scan run recorded.')));
    const rank = { critical: 0, high: 1, medium: 2, low: 3 };
    const findings = (Array.isArray(sec.findings) ? sec.findings : []).slice()
      .sort((a, b) => (rank[a.severity] ?? 9) - (rank[b.severity] ?? 9) || text(a.file).localeCompare(text(b.file)) || (a.line || 0) - (b.line || 0));
    const c = sec.counts || {};
    return section('security', 'Security findings',
      el('p', null, 'Run #', text(sec.run_id), ': ', int(sec.files_scanned), ' files scanned; ', int(c.critical), ' critical, ',
        int(c.high), ' high, ', int(c.medium), ' medium, ', int(c.low), ' low. Snippets are redacted.'),
      findings.length ? table(['Severity', 'Rule', 'Location', 'Finding'], findings.map((f) => el('tr', null,
        el('td', { class: 'sev-' + text(f.severity) }, text(f.severity)),
        el('td', null, el('code', null, text(f.rule_id)), f.cwe ? el('div', { class: 'sub' }, text(f.cwe)) : null),
        el('td', null, el('code', null, place(f.file, f.line) + (isNum(f.column) ? ':' + f.column : ''))),
        el('td', null, text(f.message), f.snippet ? el('pre', null, text(f.snippet)) : null))))
        : el('p', null, 'No findings.'));
  }

  // One line chart per metric over the runs of `trends`; null points break the line.
  function chart(id, title, runs, series, format, fixedRange) {
    const W = 320, H = 150, L = 44, R = 10, T = 12, B = 24;
    const values = [];
    for (const s of series) for (const r of runs) if (isNum(r[s.key])) values.push(r[s.key]);
    const box = el('figure', { class: 'chart', id: id }, el('figcaption', null, title));
    if (values.length < 2) { add(box, el('p', null, unknown('fewer than 2 measured points'))); return box; }
    let lo = Math.min(...values), hi = Math.max(...values);
    if (fixedRange) { lo = Math.max(fixedRange[0], lo - 5); hi = Math.min(fixedRange[1], hi + 5); }
    if (hi - lo < 1e-9) { lo -= 1; hi += 1; }
    const x = (i) => L + (runs.length === 1 ? 0 : i * (W - L - R) / (runs.length - 1));
    const y = (v) => T + (hi - v) * (H - T - B) / (hi - lo);
    const first = runs[0], last = runs[runs.length - 1];
    const g = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img',
      'aria-label': title + ': ' + series.map((s) => s.label + ' from ' + (isNum(first[s.key]) ? format(first[s.key]) : 'unknown') +
        ' (run ' + text(first.run_id) + ') to ' + (isNum(last[s.key]) ? format(last[s.key]) : 'unknown') + ' (run ' + text(last.run_id) + ')').join('; ') },
      svg('line', { class: 'axis', x1: L, y1: T, x2: L, y2: H - B }),
      svg('line', { class: 'axis', x1: L, y1: H - B, x2: W - R, y2: H - B }),
      svg('text', { x: L - 4, y: T + 4, 'text-anchor': 'end' }, format(hi)),
      svg('text', { x: L - 4, y: H - B, 'text-anchor': 'end' }, format(lo)),
      svg('text', { x: L, y: H - 6 }, 'run ' + text(first.run_id)),
      svg('text', { x: W - R, y: H - 6, 'text-anchor': 'end' }, 'run ' + text(last.run_id)));
    series.forEach((s, si) => {
      let d = '', pen = false;
      runs.forEach((r, i) => {
        const v = r[s.key];
        if (!isNum(v)) { pen = false; return; }
        d += (pen ? ' L' : ' M') + x(i).toFixed(1) + ' ' + y(v).toFixed(1);
        pen = true;
        add(g, svg('circle', { cx: x(i).toFixed(1), cy: y(v).toFixed(1), r: 2.5 },
          svg('title', null, s.label + ' ' + format(v) + ' · run ' + text(r.run_id) + ' · ' + text(r.started_at) + ' · ' + shortCommit(r.commit))));
      });
      if (d) g.insertBefore(svg('path', { class: si ? 'line2' : 'line', d: d.trim() }), g.firstChild);
    });
    add(box, g);
    if (series.length > 1) add(box, el('div', { class: 'sub' }, series.map((s, i) => (i ? ' · dashed: ' : 'solid: ') + s.label)));
    return box;
  }

  function trendsSection() {
    const runs = Array.isArray(doc.trends) ? doc.trends : [];
    if (runs.length < 2) {
      return section('trends', 'Trends', el('p', { id: 'trends-few' }, unknown('Trends need at least 2 complete runs of this branch; this report has ' + runs.length + '.')));
    }
    const p = (v) => v.toFixed(1) + '%';
    return section('trends', 'Trends',
      el('p', null, 'The last ' + runs.length + ' complete execute runs of this branch, oldest first.'),
      el('div', { class: 'charts' },
        chart('trend-coverage', 'Coverage', runs, [{ key: 'line_rate', label: 'line' }, { key: 'branch_rate', label: 'branch' }], p, [0, 100]),
        chart('trend-pass-rate', 'Pass rate', runs, [{ key: 'pass_rate', label: 'pass rate' }], p, [0, 100]),
        chart('trend-duration', 'Duration', runs, [{ key: 'duration_s', label: 'duration' }], (v) => v.toFixed(1) + ' s'),
        chart('trend-tests', 'Tests', runs, [{ key: 'tests', label: 'tests' }], (v) => String(Math.round(v))),
        chart('trend-findings', 'Findings (scan of the same commit)', runs, [{ key: 'findings', label: 'findings' }], (v) => String(Math.round(v))),
        chart('trend-cost', 'AI cost (runs of the same commit)', runs, [{ key: 'cost_usd', label: 'cost' }], usd)),
      el('details', null, el('summary', null, 'Trend data'),
        table(['Run', 'Started', 'Commit', { label: 'Pass rate', num: true }, { label: 'Line %', num: true }, { label: 'Branch %', num: true },
          { label: 'Duration', num: true }, { label: 'Tests', num: true }, { label: 'Findings', num: true }, { label: 'AI cost', num: true }], runs.map((r) => el('tr', null,
          el('td', null, text(r.run_id)), el('td', null, text(r.started_at)), el('td', null, el('code', null, shortCommit(r.commit))),
          el('td', { class: 'num' }, pct(r.pass_rate)), el('td', { class: 'num' }, pct(r.line_rate)), el('td', { class: 'num' }, pct(r.branch_rate)),
          el('td', { class: 'num' }, seconds(r.duration_s)), el('td', { class: 'num' }, int(r.tests)),
          el('td', { class: 'num' }, isNum(r.findings) ? int(r.findings) : unknown('no scan')),
          el('td', { class: 'num' }, isNum(r.cost_usd) ? usd(r.cost_usd) : unknown('no model calls')))))));
  }

  function generateSection() {
    if (!gen) return section('generate', 'Generated tests', el('p', null, unknown('No generate run recorded.')));
    return section('generate', 'Generated tests',
      el('p', null, 'Run #', text(gen.run_id), ': ', int(gen.tests_generated), ' tests generated by the ', text(gen.engine),
        ' engine; coverage after generation ', pct(gen.line_rate), ' of lines, ', pct(gen.branch_rate), ' of branches',
        isNum(gen.cost_usd) ? '; AI cost $' + gen.cost_usd.toFixed(2) : '', '.'),
      cost ? el('p', null, 'AI usage on this branch: $' + (isNum(cost.total_usd) ? cost.total_usd.toFixed(2) : '?') + ' over ', int(cost.calls), ' calls.') : null);
  }

  performance.mark('aqe-parsed');
  const sections = [summary(), gateSection(), comparisonSection(), coverageSection(), testsSection(), securitySection(), trendsSection(), generateSection()];
  add(main, sections);
  add(document.getElementById('nav'), nav.map(([id, title]) => el('a', { href: '#' + id }, title)));
  performance.mark('aqe-drawn');
  window.addEventListener('hashchange', openFromHash);
  openFromHash();
  add(document.body, el('footer', null, 'Generated by aqe ' + text(doc.aqe_version) + ' from the run records in .aqe/aqe.db. This file is self-contained and loads nothing from the network.'));
})();
