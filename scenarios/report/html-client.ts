import { filtersScript } from './html-client-filters.js';
import { findingsScript } from './html-client-findings.js';
import { liveScript } from './html-client-live.js';
import { timelineScript } from './html-client-timeline.js';

/**
 * The page's shared state and helpers, the header (summary, counts, filters) and the verdict grid. Every judgement it
 * shows comes from the data: a verdict's `status` and `reason`, an attempt's `judgement` and `involved` (computed once
 * in TypeScript, `scenarios/judge/scenario.ts`); the page draws them and decides nothing. The filters are in
 * `html-client-filters.ts`. Everything from a receiver goes in as text.
 */
// biome-ignore lint/complexity/noUselessStringRaw: raw keeps any backslash in the script as the browser must see it.
const coreScript = String.raw`
  var MAX_MARKS = 2000;
  var data = JSON.parse(document.getElementById('ipn-data').textContent);
  var catalog = data.catalog || { guarantees: [], applicable: {}, needsReceiverCmd: [] };
  var state = { mode: data.mode, served: data.mode === 'live', finished: data.mode === 'report', runs: [], liveAttempts: 0,
    lastSeq: 0, selected: null, open: {}, filters: null, zoom: 'auto',
    scrolls: {} };
  var pending = false;
  var CELL_TEXT = { pass: 'PASS', fail: 'FAIL', unknown: 'UNKNOWN', running: 'running', 'not-run-yet': 'not run yet',
    'not-run': 'not run', 'not-applicable': 'not applicable' };

  function copyRun(r, done) {
    return { provider: r.provider, target: r.target, seed: r.seed, runId: r.runId, startedAt: r.startedAt,
      durationMs: r.durationMs, results: r.results.slice(), done: done };
  }
  state.runs = data.reports.map(function (r) { return copyRun(r, true); });

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
  function idOf(prefix, provider, guarantee) { return prefix + '-' + provider + '-' + guarantee; }
  function answerOf(e) { return e.statusCode === null ? 'no answer (' + e.detail + ')' : String(e.statusCode); }
  function allResults() {
    var all = [];
    state.runs.forEach(function (run) { all = all.concat(run.results); });
    return all;
  }
  function resultOf(run, guarantee) {
    for (var i = 0; i < run.results.length; i++) if (run.results[i].guarantee === guarantee) return run.results[i];
    return null;
  }
  /** A failure's panel is open unless the reader closed it. */
  function isOpen(provider, guarantee) { return state.open[keyOf(provider, guarantee)] !== false; }

  /** What a grid cell says: the verdict's status, or why there is none (running, not reached, not selected, none). */
  function cellOf(run, guarantee) {
    var v = resultOf(run, guarantee);
    if (v !== null) return { status: v.status, verdict: v };
    var applicable = catalog.applicable[run.provider];
    if (applicable && applicable.indexOf(guarantee) < 0) return { status: 'not-applicable', verdict: null };
    return { status: run.done ? 'not-run' : 'not-run-yet', verdict: null };
  }
  function cellTitle(run, guarantee, cell) {
    var v = cell.verdict;
    switch (cell.status) {
      case 'unknown': return 'not judged: ' + (v.reason || v.summary);
      case 'running': return 'running: ' + v.deliveries + ' deliveries so far';
      case 'not-applicable': return 'no scenario checks ' + guarantee + ' for ' + run.provider;
      case 'not-run-yet': return 'this run has not reached ' + guarantee + ' yet';
      case 'not-run': return catalog.needsReceiverCmd.indexOf(guarantee) >= 0
        ? 'not run: it kills and restarts the receiver, so it runs only with --receiver-cmd'
        : 'not run in this run (not selected with --only)';
      default: return v.summary;
    }
  }

  /** Every guarantee with a result in some run, in the order the runs judged them. */
  function rowIds() {
    var rows = [];
    allResults().forEach(function (v) { if (rows.indexOf(v.guarantee) < 0) rows.push(v.guarantee); });
    return rows;
  }
  function titleOf(guarantee) {
    for (var i = 0; i < catalog.guarantees.length; i++) if (catalog.guarantees[i].id === guarantee) return catalog.guarantees[i].title;
    var titled = allResults().filter(function (v) { return v.guarantee === guarantee && v.title; })[0];
    return titled ? titled.title : '';
  }

  function renderHeader() {
    var badge = document.getElementById('mode');
    badge.textContent = !state.served ? 'report' : state.finished ? 'live · finished' : 'live · running';
    badge.className = 'badge' + (state.finished ? '' : ' running');
    document.body.setAttribute('data-mode', state.mode);
    document.body.setAttribute('data-finished', String(state.finished));
    document.body.setAttribute('data-live-attempts', String(state.liveAttempts));
    var all = allResults();
    var count = function (status) { return all.filter(function (v) { return v.status === status; }).length; };
    var summary = document.getElementById('summary');
    if (all.length === 0) {
      summary.textContent = state.finished ? 'No guarantees were checked.' : 'Waiting for the first delivery…';
      summary.className = '';
    } else {
      var running = count('running');
      summary.textContent = count('pass') + ' held, ' + count('fail') + ' broken, ' + count('unknown') + ' not judged' +
        (running > 0 ? ', ' + running + ' running' : '');
      summary.className = count('fail') > 0 ? 'broken' : count('unknown') > 0 ? 'unknown' : 'held';
    }
    var entries = [];
    all.forEach(function (v) { entries = entries.concat(v.timeline || []); });
    var outcomes = function (outcome) { return entries.filter(function (e) { return e.outcome === outcome; }).length; };
    document.getElementById('counts').textContent = entries.length === 0 ? '' : entries.length + ' deliveries: ' +
      outcomes('ok') + ' acknowledged (2xx), ' + outcomes('fail') + ' refused (4xx), ' + outcomes('info') +
      ' unsure (5xx, timeout or reset)';
    var runs = clear(document.getElementById('runs'));
    state.runs.forEach(function (run) {
      runs.appendChild(el('div', { text: run.provider + ' → ' + run.target + '  (seed ' + run.seed + ', run ' + run.runId +
        (run.startedAt ? ', started ' + run.startedAt : '') + (run.durationMs ? ', ' + (run.durationMs / 1000).toFixed(1) + ' s' : '') + ')' }));
    });
  }

  function renderVerdicts() {
    var host = clear(document.getElementById('verdicts'));
    var runs = shownRuns();
    if (state.runs.length === 0) { host.appendChild(el('p', { class: 'empty', text: 'No verdicts yet.' })); return; }
    var rows = rowIds().filter(function (guarantee) {
      return guaranteeShown(guarantee) && runs.some(function (run) { return statusShown(cellOf(run, guarantee).status); });
    });
    var head = el('tr', {}, [el('th', { text: 'guarantee' })].concat(runs.map(function (run) { return el('th', { text: run.provider }); })));
    var body = rows.map(function (guarantee) {
      var cells = runs.map(function (run) {
        var cell = cellOf(run, guarantee);
        var title = cellTitle(run, guarantee, cell);
        var attrs = { 'data-testid': 'cell', 'data-guarantee': guarantee, 'data-provider': run.provider, 'data-status': cell.status };
        if (cell.verdict === null || cell.status === 'running') {
          return el('td', attrs, [el('span', { class: 'cell ' + cell.status, title: title, text: CELL_TEXT[cell.status] })]);
        }
        var button = el('button', { type: 'button', class: 'verdict ' + cell.status, title: title, 'data-testid': 'verdict',
          'data-guarantee': guarantee, 'data-provider': run.provider, 'data-status': cell.status, text: CELL_TEXT[cell.status] || cell.status });
        button.addEventListener('click', function () { reveal(run.provider, guarantee, cell.status); });
        return el('td', attrs, [button]);
      });
      return el('tr', { 'data-testid': 'verdict-row', 'data-guarantee': guarantee },
        [el('th', {}, [guarantee + ' ', el('span', { class: 'title', text: titleOf(guarantee) })])].concat(cells));
    });
    if (rows.length === 0) { host.appendChild(el('p', { class: 'empty', text: 'No verdict matches the filters.' })); return; }
    host.appendChild(el('table', {}, [el('thead', {}, [head]), el('tbody', {}, body)]));
  }

  /** From a grid cell to where its evidence is: the failure, the reason it was not judged, or its timeline lane. */
  function reveal(provider, guarantee, status) {
    var prefix = status === 'fail' ? 'failure' : status === 'unknown' ? 'unknown' : 'lane';
    if (status === 'fail') { state.open[keyOf(provider, guarantee)] = true; render(); }
    var node = document.getElementById(idOf(prefix, provider, guarantee));
    if (node === null) return;
    if (node.tagName === 'DETAILS') node.open = true;
    Array.prototype.forEach.call(document.querySelectorAll('.highlight'), function (d) { d.classList.remove('highlight'); });
    node.classList.add('highlight');
    var mark = prefix === 'lane' ? node.querySelector('.mark') : null;
    if (mark !== null) mark.scrollIntoView({ block: 'center', inline: 'start' });
    else node.scrollIntoView({ block: 'start' });
  }

  function render() {
    pending = false;
    renderHeader();
    renderFilters();
    renderFailures();
    renderUnknowns();
    renderPasses();
    renderVerdicts();
    renderTimeline();
  }
  function schedule() { if (!pending) { pending = true; setTimeout(render, 100); } }
`;

/**
 * The report page's script (inline, plain ES2020, no dependencies). It renders the embedded data; in live mode it also
 * follows `GET /events` (server-sent events: run, attempt, verdict, done) and switches to report mode at `done`.
 * Everything from a receiver is put into the page as text (textContent), never as markup.
 */
export const clientScript = `
(function () {
  'use strict';
${coreScript}
${filtersScript}
${findingsScript}
${timelineScript}
${liveScript}
  state.filters = readFilters();
  bindFilters();
  render();
  if (state.mode === 'live') follow();
  window.addEventListener('resize', schedule);
})();
`;
