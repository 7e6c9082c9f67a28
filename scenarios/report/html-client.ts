/**
 * The report page's script (inline, plain ES2020, no dependencies). It renders the embedded data; in live mode it also
 * follows `GET /events` (server-sent events: run, attempt, verdict, done) and switches to report mode at `done`.
 * Everything from a receiver is put into the page as text (textContent), never as markup.
 */
// biome-ignore lint/complexity/noUselessStringRaw: raw keeps any backslash in the script as the browser must see it.
export const clientScript = String.raw`
(function () {
  'use strict';
  var MAX_MARKS = 2000;
  var data = JSON.parse(document.getElementById('ipn-data').textContent);
  var state = { mode: data.mode, served: data.mode === 'live', finished: data.mode === 'report', runs: [], liveAttempts: 0, lastSeq: 0, selected: null, open: {} };
  var pending = false;

  function copyRun(r) {
    return { provider: r.provider, target: r.target, seed: r.seed, runId: r.runId, startedAt: r.startedAt, durationMs: r.durationMs, results: r.results.slice() };
  }
  state.runs = data.reports.map(copyRun);

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    var key;
    for (key in attrs || {}) {
      if (attrs[key] === null || attrs[key] === undefined) continue;
      if (key === 'text') node.textContent = String(attrs[key]);
      else if (key === 'class') node.className = attrs[key];
      else node.setAttribute(key, String(attrs[key]));
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function keyOf(provider, guarantee) { return provider + '/' + guarantee; }
  function asExpected(e) {
    if (e.expected === 'accept') return e.outcome === 'ok';
    if (e.expected === 'reject') return e.outcome !== 'ok';
    return e.outcome !== 'info';
  }
  function kindLetter(e) {
    if (e.attempt > 1) return 'R';
    if (e.faultKind === 'forged' || e.faultKind === 'replayed') return 'F';
    if (e.faultKind === 'duplicate' || e.faultKind === 'concurrent' || e.faultKind === 'resigned') return 'D';
    if (e.faultKind !== null) return 'A';
    return '';
  }
  function answerOf(e) { return e.statusCode === null ? 'no answer (' + e.detail + ')' : String(e.statusCode); }

  function runFor(provider) {
    for (var i = 0; i < state.runs.length; i++) if (state.runs[i].provider === provider) return state.runs[i];
    var run = { provider: provider, target: '', seed: 0, runId: '', startedAt: '', durationMs: 0, results: [] };
    state.runs.push(run);
    return run;
  }
  function resultFor(run, guarantee) {
    for (var i = 0; i < run.results.length; i++) if (run.results[i].guarantee === guarantee) return run.results[i];
    var result = { guarantee: guarantee, title: '', provider: run.provider, status: 'running', seed: run.seed, deliveries: 0,
      durationMs: 0, summary: 'running', diagnosis: null, findings: [], replay: '', timeline: [] };
    run.results.push(result);
    return result;
  }

  function renderHeader() {
    var badge = document.getElementById('mode');
    badge.textContent = !state.served ? 'report' : state.finished ? 'live · finished' : 'live · running';
    badge.className = 'badge' + (state.finished ? '' : ' running');
    document.body.setAttribute('data-mode', state.mode);
    document.body.setAttribute('data-finished', String(state.finished));
    document.body.setAttribute('data-live-attempts', String(state.liveAttempts));
    var all = [];
    state.runs.forEach(function (run) { all = all.concat(run.results); });
    var failed = all.filter(function (v) { return v.status === 'fail'; }).length;
    var done = all.filter(function (v) { return v.status !== 'running'; }).length;
    var summary = document.getElementById('summary');
    if (all.length === 0) { summary.textContent = state.finished ? 'No guarantees were checked.' : 'Waiting for the first delivery…'; summary.className = ''; }
    else {
      summary.textContent = (done - failed) + ' of ' + done + ' guarantees held' + (failed > 0 ? ', ' + failed + ' broken' : '') +
        (done < all.length ? ' (' + (all.length - done) + ' running)' : '');
      summary.className = failed > 0 ? 'broken' : 'held';
    }
    var entries = [];
    all.forEach(function (v) { entries = entries.concat(v.timeline || []); });
    var count = function (outcome) { return entries.filter(function (e) { return e.outcome === outcome; }).length; };
    document.getElementById('counts').textContent = entries.length === 0 ? '' : entries.length + ' deliveries: ' + count('ok') +
      ' acknowledged (2xx), ' + count('fail') + ' refused (4xx), ' + count('info') + ' unsure (5xx, timeout or reset)';
    var runs = clear(document.getElementById('runs'));
    state.runs.forEach(function (run) {
      runs.appendChild(el('div', { text: run.provider + ' → ' + run.target + '  (seed ' + run.seed + ', run ' + run.runId +
        (run.startedAt ? ', started ' + run.startedAt : '') + (run.durationMs ? ', ' + (run.durationMs / 1000).toFixed(1) + ' s' : '') + ')' }));
    });
  }

  function renderVerdicts() {
    var host = clear(document.getElementById('verdicts'));
    if (state.runs.length === 0) { host.appendChild(el('p', { class: 'empty', text: 'No verdicts yet.' })); return; }
    var rows = [];
    var titles = {};
    state.runs.forEach(function (run) {
      run.results.forEach(function (v) {
        if (rows.indexOf(v.guarantee) < 0) rows.push(v.guarantee);
        if (v.title) titles[v.guarantee] = v.title;
      });
    });
    var head = el('tr', {}, [el('th', { text: 'guarantee' })].concat(state.runs.map(function (run) { return el('th', { text: run.provider }); })));
    var body = rows.map(function (guarantee) {
      var cells = state.runs.map(function (run) {
        var v = null;
        run.results.forEach(function (r) { if (r.guarantee === guarantee) v = r; });
        if (v === null) return el('td', { text: '—' });
        var button = el('button', { class: 'verdict ' + v.status, title: v.summary, 'data-testid': 'verdict',
          'data-guarantee': guarantee, 'data-provider': run.provider, 'data-status': v.status, text: v.status.toUpperCase() });
        if (v.status === 'fail') button.addEventListener('click', function () { openFailure(run.provider, guarantee); });
        return el('td', {}, [button]);
      });
      return el('tr', {}, [el('th', {}, [guarantee + ' ', el('span', { class: 'title', text: titles[guarantee] || '' })])].concat(cells));
    });
    host.appendChild(el('table', {}, [el('thead', {}, [head]), el('tbody', {}, body)]));
  }

  function showDetail(e, lane) {
    state.selected = { lane: lane, deliveryId: e.deliveryId, attempt: e.attempt, entry: e };
    var rows = [['scenario', lane], ['delivery', e.deliveryId + (e.attempt > 1 ? ' (attempt ' + e.attempt + ')' : '')], ['event', e.eventId],
      ['order', e.orderId], ['label', e.label], ['fault', e.fault === null ? 'none' : e.faultKind + ': ' + e.fault],
      ['expected', e.expected], ['answer', answerOf(e) + (asExpected(e) ? '' : '  ✘ not what a correct receiver answers')],
      ['detail', e.detail], ['sent', '+' + e.sentMs + ' ms'], ['answered', '+' + e.answeredMs + ' ms (' + (e.answeredMs - e.sentMs) + ' ms)']];
    var list = el('dl', {});
    rows.forEach(function (row) { list.appendChild(el('dt', { text: row[0] })); list.appendChild(el('dd', { text: row[1] })); });
    clear(document.getElementById('detail')).appendChild(list);
    Array.prototype.forEach.call(document.querySelectorAll('.mark.selected'), function (m) { m.classList.remove('selected'); });
  }

  function renderTimeline() {
    var host = clear(document.getElementById('timeline'));
    if (state.runs.length === 0) { host.appendChild(el('p', { class: 'empty', text: 'No deliveries yet.' })); return; }
    state.runs.forEach(function (run) {
      var end = 0;
      run.results.forEach(function (v) { (v.timeline || []).forEach(function (e) { if (e.answeredMs > end) end = e.answeredMs; }); });
      var box = el('div', { class: 'run-timeline' }, [el('h3', { text: run.provider + ' — ' + (end / 1000).toFixed(1) + ' s of deliveries; each lane spans its own scenario' })]);
      run.results.forEach(function (v) {
        var track = el('div', { class: 'track' });
        var marks = (v.timeline || []).slice(0, MAX_MARKS);
        var start = Infinity;
        var stop = 0;
        marks.forEach(function (e) { if (e.sentMs < start) start = e.sentMs; if (e.answeredMs > stop) stop = e.answeredMs; });
        if (marks.length === 0) start = 0;
        var span = Math.max(1, stop - start);
        marks.forEach(function (e) {
          var left = ((e.sentMs - start) / span) * 97;
          var width = Math.max(0, ((e.answeredMs - e.sentMs) / span) * 97);
          var mark = el('button', { class: 'mark ' + e.outcome + (asExpected(e) ? '' : ' wrong'), 'data-testid': 'mark',
            'data-outcome': e.outcome, 'data-kind': kindLetter(e) || 'plain', title: e.label + ' → ' + answerOf(e),
            style: 'left:' + left.toFixed(3) + '%;width:' + width.toFixed(3) + '%', text: kindLetter(e) });
          var select = function () { showDetail(e, v.guarantee); mark.classList.add('selected'); };
          mark.addEventListener('mouseenter', select);
          mark.addEventListener('click', select);
          track.appendChild(mark);
        });
        var name = el('div', { class: 'lane-name ' + v.status, title: v.guarantee + ': ' + v.summary, text: v.guarantee });
        var when = el('div', { class: 'lane-time', text: marks.length === 0 ? '' : '+' + (start / 1000).toFixed(2) + ' s, ' + span + ' ms · ' + (v.timeline || []).length });
        box.appendChild(el('div', { class: 'lane', 'data-testid': 'lane', 'data-guarantee': v.guarantee, 'data-provider': run.provider }, [name, track, when]));
      });
      host.appendChild(box);
    });
  }

  function deliveriesTable(deliveries) {
    var head = el('tr', {}, ['#', 'delivery', 'label', 'event', 'fault', 'answer', 'expected'].map(function (h) { return el('th', { text: h }); }));
    var rows = deliveries.map(function (d, i) {
      return el('tr', {}, [String(i + 1), d.deliveryId, d.label, d.eventId, d.fault === null ? '' : d.fault,
        d.statusCode === null ? 'no answer (' + d.detail + ')' : String(d.statusCode) + ' ' + d.detail, d.expected].map(function (t) { return el('td', { text: t }); }));
    });
    return el('table', { class: 'deliveries' }, [el('thead', {}, [head]), el('tbody', {}, rows)]);
  }

  function copyButton(text) {
    var button = el('button', { class: 'copy', 'data-testid': 'copy-replay', text: 'Copy' });
    button.addEventListener('click', function () {
      var done = function () { button.textContent = 'Copied'; };
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(done, function () { button.textContent = 'Select and copy'; });
      else button.textContent = 'Select and copy';
    });
    return button;
  }

  function renderFailures() {
    var host = clear(document.getElementById('failures'));
    var any = false;
    state.runs.forEach(function (run) {
      run.results.filter(function (v) { return v.status === 'fail'; }).forEach(function (v) {
        any = true;
        var key = keyOf(run.provider, v.guarantee);
        var findings = v.findings.map(function (f) {
          var parts = [el('div', { class: 'problem', text: f.problem }), el('div', { class: 'title', text: 'phase: ' + f.phase + (f.orderId ? ', order ' + f.orderId : '') })];
          if (f.observed !== null || f.expected !== null) {
            parts.push(el('div', { text: 'probe showed:' }), el('pre', { text: f.observed === null ? '404 / nothing' : JSON.stringify(f.observed) }));
            parts.push(el('div', { text: 'rule expects:' }), el('pre', { text: JSON.stringify(f.expected) }));
          }
          parts.push(el('div', { text: 'minimal case (' + f.deliveries.length + ' deliveries):' }), deliveriesTable(f.deliveries));
          return el('div', { class: 'finding', 'data-testid': 'finding' }, parts);
        });
        var details = el('details', { class: 'failure', id: 'failure-' + run.provider + '-' + v.guarantee, 'data-testid': 'failure',
          'data-guarantee': v.guarantee, 'data-provider': run.provider }, [
          el('summary', { text: v.guarantee + ' (' + run.provider + ', seed ' + v.seed + '): ' + v.summary }),
          el('p', { text: v.title }),
          v.diagnosis === null ? null : el('p', { text: 'Where to look: ' + v.diagnosis }),
          el('div', { text: 'Replay exactly this case:' }),
          el('div', { class: 'replay-row' }, [el('pre', { class: 'replay', 'data-testid': 'replay', text: v.replay }), copyButton(v.replay)]),
        ].concat(findings));
        if (state.open[key]) details.open = true;
        details.addEventListener('toggle', function () { state.open[key] = details.open; });
        host.appendChild(details);
      });
    });
    if (!any) host.appendChild(el('p', { class: 'empty', text: state.finished ? 'None: every guarantee held.' : 'None so far.' }));
  }

  function openFailure(provider, guarantee) {
    state.open[keyOf(provider, guarantee)] = true;
    var node = document.getElementById('failure-' + provider + '-' + guarantee);
    if (node === null) return;
    node.open = true;
    Array.prototype.forEach.call(document.querySelectorAll('details.failure.highlight'), function (d) { d.classList.remove('highlight'); });
    node.classList.add('highlight');
    node.scrollIntoView({ block: 'start' });
  }

  function render() {
    pending = false;
    renderHeader();
    renderVerdicts();
    renderTimeline();
    renderFailures();
  }
  function schedule() { if (!pending) { pending = true; setTimeout(render, 100); } }

  function follow() {
    var source = new EventSource('events');
    function fresh(event) {
      var seq = Number(event.lastEventId);
      if (seq && seq <= state.lastSeq) return false;
      if (seq) state.lastSeq = seq;
      return true;
    }
    source.addEventListener('run', function (event) {
      if (!fresh(event)) return;
      var info = JSON.parse(event.data);
      var run = runFor(info.provider);
      run.target = info.target; run.seed = info.seed; run.runId = info.runId; run.startedAt = info.startedAt;
      schedule();
    });
    source.addEventListener('attempt', function (event) {
      if (!fresh(event)) return;
      var info = JSON.parse(event.data);
      state.liveAttempts += 1;
      var result = resultFor(runFor(info.provider), info.guarantee);
      if (result.status === 'running') {
        result.deliveries += 1;
        if (result.timeline.length < MAX_MARKS) result.timeline.push(info.entry);
      }
      schedule();
    });
    source.addEventListener('verdict', function (event) {
      if (!fresh(event)) return;
      var info = JSON.parse(event.data);
      var run = runFor(info.provider);
      var result = resultFor(run, info.verdict.guarantee);
      run.results[run.results.indexOf(result)] = info.verdict;
      schedule();
    });
    source.addEventListener('done', function (event) {
      if (!fresh(event)) return;
      var info = JSON.parse(event.data);
      state.runs = info.reports.map(copyRun);
      state.mode = 'report';
      state.finished = true;
      source.close();
      render();
    });
  }

  render();
  if (state.mode === 'live') follow();
})();
`;
