/**
 * The page's failure, not-judged and held panels: each failure open unless the reader closes it, with its findings (the
 * reason code, a field-level diff of probe / correct receiver / twin from `finding.differences`, the deliveries with
 * each answer's body excerpt) and its replay command; each unknown verdict with the reason it was not judged.
 * The guarantees that held are listed closed, one line each. Part of the page script (see `html-client.ts`).
 */
// biome-ignore lint/complexity/noUselessStringRaw: raw keeps any backslash in the script as the browser must see it.
export const findingsScript = String.raw`
  var JUDGED_TEXT = { expected: '✔ as expected', unexpected: '✘ not what a correct receiver answers', 'not-judged': 'not judged' };

  function fieldValue(value) {
    if (value === undefined) return 'no twin';
    if (value === null) return 'not found (404)';
    return typeof value === 'string' ? value : JSON.stringify(value);
  }

  /** A wide table scrolls sideways in its own box, so the page itself never does. */
  function scrolling(table) { return el('div', { class: 'table-scroll' }, [table]); }

  function diffTable(differences) {
    var head = el('tr', {}, ['field', 'probe', 'a correct receiver', 'twin'].map(function (h) { return el('th', { text: h }); }));
    var rows = differences.map(function (d) {
      return el('tr', { 'data-testid': 'diff-row', 'data-field': d.field }, [
        el('th', { text: d.field }),
        el('td', { class: 'observed', text: fieldValue(d.observed) }),
        el('td', { class: 'expected', text: fieldValue(d.expected) }),
        el('td', { class: 'twin' + (d.twin === undefined ? ' none' : ''), text: fieldValue(d.twin) }),
      ]);
    });
    return scrolling(el('table', { class: 'diff', 'data-testid': 'diff' }, [el('thead', {}, [head]), el('tbody', {}, rows)]));
  }

  /** The judgement of each attempt, from the verdict's timeline (by delivery id and attempt). */
  function judgements(v) {
    var byAttempt = {};
    (v.timeline || []).forEach(function (e) { byAttempt[e.deliveryId + ':' + e.attempt] = e.judgement; });
    return byAttempt;
  }

  function deliveriesTable(deliveries, judged) {
    var head = el('tr', {}, ['#', 'delivery', 'event', 'label', 'fault', 'expected', 'answer', 'body excerpt', 'judged']
      .map(function (h) { return el('th', { text: h }); }));
    var rows = deliveries.map(function (d, i) {
      var judgement = judged[d.deliveryId + ':' + d.attempt];
      return el('tr', { 'data-testid': 'delivery-row', 'data-delivery': d.deliveryId, 'data-attempt': d.attempt,
        class: judgement === 'unexpected' ? 'unexpected' : null }, [
        el('td', { text: String(i + 1) }),
        el('td', { text: d.deliveryId + (d.attempt > 1 ? ' (attempt ' + d.attempt + ')' : '') }),
        el('td', { text: d.eventId }),
        el('td', { text: d.label }),
        el('td', { text: d.fault === null ? '' : d.fault }),
        el('td', { text: d.expected }),
        el('td', { text: d.statusCode === null ? 'no answer' : String(d.statusCode) }),
        el('td', { class: 'excerpt', 'data-testid': 'excerpt', text: d.detail }),
        el('td', { text: judgement ? JUDGED_TEXT[judgement] : '' }),
      ]);
    });
    return scrolling(el('table', { class: 'deliveries' }, [el('thead', {}, [head]), el('tbody', {}, rows)]));
  }

  function copyButton(text) {
    var button = el('button', { type: 'button', class: 'copy', 'data-testid': 'copy-replay', text: 'Copy' });
    button.addEventListener('click', function () {
      var done = function () { button.textContent = 'Copied'; };
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(done, function () { button.textContent = 'Select and copy'; });
      else button.textContent = 'Select and copy';
    });
    return button;
  }
  function replayRow(command) {
    return el('div', { class: 'replay-row' }, [el('pre', { class: 'replay', 'data-testid': 'replay', text: command }), copyButton(command)]);
  }

  function findingPanel(f, judged) {
    var parts = [
      el('div', { class: 'problem', text: f.problem }),
      el('div', { class: 'meta' }, ['reason ', el('code', { class: 'reason', 'data-testid': 'reason', text: f.reason }),
        ' · phase: ' + f.phase + (f.orderId ? ' · order ' + f.orderId : '')]),
    ];
    if (f.differences.length > 0) parts.push(diffTable(f.differences));
    if (f.deliveries.length > 0) {
      parts.push(el('div', { class: 'title', text: 'The deliveries involved (' + f.deliveries.length + '):' }), deliveriesTable(f.deliveries, judged));
    }
    return el('div', { class: 'finding', 'data-testid': 'finding', 'data-reason': f.reason }, parts);
  }

  function failurePanel(run, v) {
    var key = keyOf(run.provider, v.guarantee);
    var judged = judgements(v);
    var details = el('details', { class: 'failure', id: idOf('failure', run.provider, v.guarantee), 'data-testid': 'failure',
      'data-guarantee': v.guarantee, 'data-provider': run.provider }, [
      el('summary', { text: v.guarantee + ' — ' + run.provider + ' (seed ' + v.seed + '): ' + v.summary }),
      el('p', { class: 'title', text: v.title }),
      v.diagnosis === null ? null : el('p', { class: 'diagnosis', text: 'Where to look: ' + v.diagnosis }),
      el('div', { class: 'title', text: 'Replay exactly this case:' }),
      replayRow(v.replay),
    ].concat(v.findings.map(function (f) { return findingPanel(f, judged); })));
    details.open = isOpen(run.provider, v.guarantee);
    details.addEventListener('toggle', function () {
      if (isOpen(run.provider, v.guarantee) === details.open) return;
      state.open[key] = details.open;
      renderTimeline();
    });
    return details;
  }

  /** One panel per verdict of a status that the filters show, or a note saying why there is none. */
  function renderPanels(hostId, status, panelOf, none) {
    var host = clear(document.getElementById(hostId));
    var total = 0;
    state.runs.forEach(function (run) {
      run.results.filter(function (v) { return v.status === status; }).forEach(function (v) {
        total += 1;
        if (verdictShown(run, v)) host.appendChild(panelOf(run, v));
      });
    });
    if (host.firstChild !== null) return;
    var text = total > 0 ? 'None matches the filters (' + total + ' hidden).' : state.finished ? none : 'None so far.';
    host.appendChild(el('p', { class: 'empty', text: text }));
  }

  function unknownPanel(run, v) {
    return el('details', { class: 'unknown', open: '', id: idOf('unknown', run.provider, v.guarantee),
      'data-testid': 'unknown', 'data-guarantee': v.guarantee, 'data-provider': run.provider }, [
      el('summary', { text: v.guarantee + ' — ' + run.provider + ': not judged' }),
      el('p', { class: 'reason', 'data-testid': 'unknown-reason', text: v.reason || v.summary }),
      el('div', { class: 'title', text: 'Replay exactly this case:' }),
      replayRow(v.replay),
    ]);
  }

  /** A guarantee that held, closed: its summary, what it checks, how many deliveries and its replay command. */
  function passPanel(run, v) {
    return el('details', { class: 'pass', id: idOf('pass', run.provider, v.guarantee), 'data-testid': 'pass',
      'data-guarantee': v.guarantee, 'data-provider': run.provider }, [
      el('summary', { text: v.guarantee + ' — ' + run.provider + ': ' + v.summary }),
      el('p', { class: 'title', text: v.title + ' · ' + v.deliveries + ' deliveries in ' + v.durationMs + ' ms' }),
      el('div', { class: 'title', text: 'Replay exactly this case:' }),
      replayRow(v.replay),
    ]);
  }

  function renderFailures() { renderPanels('failures', 'fail', failurePanel, 'None: no guarantee broke.'); }
  function renderUnknowns() { renderPanels('unknowns', 'unknown', unknownPanel, 'None: every guarantee was judged.'); }
  /** The guarantees that held, in one list closed until the reader opens it (the grid already shows them). */
  function renderPasses() {
    renderPanels('passes', 'pass', passPanel, 'None: no guarantee held.');
    var held = allResults().filter(function (v) { return v.status === 'pass'; }).length;
    var shown = document.querySelectorAll('#passes details.pass').length;
    document.getElementById('held-count').textContent = held + (held === 1 ? ' guarantee' : ' guarantees') + ' held' +
      (shown < held ? ' (' + (held - shown) + ' hidden by the filters)' : '');
  }
`;
