/**
 * The page's timeline: one time axis per run (the same ms → px scale for every lane), one mark per attempt placed at
 * its send time, at least MIN_W wide so its letter fits, and stacked into rows so no two marks overlap (each is
 * clickable). Zoom `auto` picks the smallest zoom (up to 4×) where no lane needs more rows than MAX_AUTO_ROWS or than
 * its overlapping deliveries need at any zoom; a lane's name scrolls to its first mark, and the run's timeline opens on
 * the first mark of a failing lane. A mark's colour is
 * its answer; its ring is the data's `judgement` (red: unexpected, dashed: not judged) and `involved` (amber, while
 * that verdict's failure is open). Part of the page script (see `html-client.ts`): it shares that script's scope.
 */
// biome-ignore lint/complexity/noUselessStringRaw: raw keeps any backslash in the script as the browser must see it.
export const timelineScript = String.raw`
  var NAME_W = 210, AXIS_H = 22, ROW_H = 18, MIN_W = 14, GAP = 4, MAX_AUTO_ROWS = 10, AUTO_ZOOMS = [1, 2, 4], FLOOR_ZOOM = 64,
    MIN_SPAN_MS = 20;
  var JUDGED_LONG = { expected: '✔ what a correct receiver answers', unexpected: '✘ not what a correct receiver answers',
    'not-judged': 'not judged: the gateway had stopped waiting for this answer (abandoned or timed out)' };

  function kindLetter(e) {
    if (e.attempt > 1) return 'R';
    if (e.faultKind === 'forged' || e.faultKind === 'replayed') return 'F';
    if (e.faultKind === 'duplicate' || e.faultKind === 'concurrent' || e.faultKind === 'resigned') return 'D';
    if (e.faultKind !== null) return 'A';
    return '';
  }

  /** Marks in send order, each in the first row where it does not touch the previous mark. */
  function pack(entries, t0, scale) {
    var order = entries.map(function (e, i) { return { e: e, i: i }; });
    order.sort(function (a, b) { return a.e.sentMs - b.e.sentMs || a.i - b.i; });
    var ends = [];
    var placed = order.map(function (item) {
      var x = (item.e.sentMs - t0) * scale;
      var w = Math.max(MIN_W, (item.e.answeredMs - item.e.sentMs) * scale);
      var row = 0;
      while (row < ends.length && ends[row] + GAP > x) row += 1;
      ends[row] = x + w;
      return { e: item.e, x: x, w: w, row: row };
    });
    return { placed: placed, rows: Math.max(1, ends.length) };
  }

  function niceStep(minMs) {
    var pow = Math.pow(10, Math.floor(Math.log10(Math.max(minMs, 0.001))));
    var steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * pow >= minMs) return steps[i] * pow;
    return 10 * pow;
  }
  function tickLabel(t, step) {
    if (t >= 1000 || step >= 1000) return '+' + (t / 1000).toFixed(step >= 1000 ? 0 : step >= 100 ? 1 : step >= 10 ? 2 : 3) + ' s';
    return '+' + t.toFixed(step >= 1 ? 0 : 1) + ' ms';
  }

  function showDetail(e, lane) {
    var rows = [['scenario', lane], ['delivery', e.deliveryId + (e.attempt > 1 ? ' (attempt ' + e.attempt + ')' : '')],
      ['event', e.eventId], ['order', e.orderId], ['label', e.label], ['fault', e.fault === null ? 'none' : e.faultKind + ': ' + e.fault],
      ['expected', e.expected], ['answer', answerOf(e)], ['judged', JUDGED_LONG[e.judgement] || e.judgement],
      ['order in a failure', e.involved ? 'yes: a state failure of this verdict names this order' : 'no'],
      ['detail', e.detail], ['sent', '+' + e.sentMs + ' ms'], ['answered', '+' + e.answeredMs + ' ms (' + (e.answeredMs - e.sentMs) + ' ms)']];
    var list = el('dl', {});
    rows.forEach(function (row) { list.appendChild(el('dt', { text: row[0] })); list.appendChild(el('dd', { text: row[1] })); });
    clear(document.getElementById('detail')).appendChild(list);
  }
  function isSelected(provider, lane, e) {
    var s = state.selected;
    return s !== null && s.provider === provider && s.lane === lane && s.deliveryId === e.deliveryId && s.attempt === e.attempt;
  }

  function markOf(run, v, spot) {
    var e = spot.e;
    var letter = kindLetter(e);
    var classes = ['mark', e.outcome, e.judgement];
    if (e.involved && v.status === 'fail' && isOpen(run.provider, v.guarantee)) classes.push('involved');
    if (isSelected(run.provider, v.guarantee, e)) classes.push('selected');
    var mark = el('button', { type: 'button', class: classes.join(' '), 'data-testid': 'mark', 'data-outcome': e.outcome,
      'data-kind': letter || 'plain', 'data-judgement': e.judgement, 'data-involved': String(e.involved),
      'data-delivery': e.deliveryId, 'data-attempt': e.attempt, title: e.label + ' → ' + answerOf(e),
      style: 'left:' + spot.x.toFixed(1) + 'px;top:' + (spot.row * ROW_H + 2) + 'px;width:' + spot.w.toFixed(1) + 'px', text: letter });
    var select = function () {
      state.selected = { provider: run.provider, lane: v.guarantee, deliveryId: e.deliveryId, attempt: e.attempt };
      showDetail(e, v.guarantee);
      Array.prototype.forEach.call(document.querySelectorAll('.mark.selected'), function (m) { m.classList.remove('selected'); });
      mark.classList.add('selected');
    };
    mark.addEventListener('mouseenter', select);
    mark.addEventListener('click', select);
    return mark;
  }

  function autoZoom(lanes, t0, span, width) {
    var rowsAt = function (v, zoom) { return pack((v.timeline || []).slice(0, MAX_MARKS), t0, (width * zoom) / span).rows; };
    var limits = lanes.map(function (v) { return Math.max(MAX_AUTO_ROWS, rowsAt(v, FLOOR_ZOOM)); });
    for (var z = 0; z < AUTO_ZOOMS.length; z++) {
      var zoom = AUTO_ZOOMS[z];
      if (lanes.every(function (v, i) { return rowsAt(v, zoom) <= limits[i]; })) return zoom;
    }
    return AUTO_ZOOMS[AUTO_ZOOMS.length - 1];
  }

  function runTimeline(run, width) {
    var entries = [];
    run.results.forEach(function (v) { entries = entries.concat((v.timeline || []).slice(0, MAX_MARKS)); });
    var t0 = entries.length === 0 ? 0 : Math.min.apply(null, entries.map(function (e) { return e.sentMs; }));
    var t1 = entries.length === 0 ? 1 : Math.max.apply(null, entries.map(function (e) { return e.answeredMs; }));
    var span = Math.max(MIN_SPAN_MS, t1 - t0);
    var lanes = run.results.filter(function (v) { return verdictShown(run, v); });
    var zoom = state.zoom === 'auto' ? autoZoom(lanes, t0, span, width) : Number(state.zoom);
    var inner = width * zoom;
    var scale = inner / span;
    var step = niceStep(90 / scale);
    var first = Math.ceil(t0 / step) * step;
    var grid = 'background-image:repeating-linear-gradient(90deg,#dee2e6 0,#dee2e6 1px,transparent 1px,transparent ' +
      (step * scale).toFixed(2) + 'px);background-position:' + ((first - t0) * scale).toFixed(1) + 'px 0';

    var names = el('div', { class: 'tl-names', style: 'width:' + NAME_W + 'px' }, [el('div', { class: 'tl-axis-name', style: 'height:' + AXIS_H + 'px', text: 'since the run started' })]);
    var axis = el('div', { class: 'axis', 'data-testid': 'axis', style: 'height:' + AXIS_H + 'px' });
    for (var t = first; t <= t1 && axis.childNodes.length < 400; t += step) {
      axis.appendChild(el('span', { class: 'tick', style: 'left:' + ((t - t0) * scale).toFixed(1) + 'px', text: tickLabel(t, step) }));
    }
    var body = el('div', { class: 'tl-inner', style: 'width:' + (inner + MIN_W + GAP).toFixed(0) + 'px' }, [axis]);
    var scroller = el('div', { class: 'tl-scroll', 'data-testid': 'tl-scroll' }, [body]);
    var focus = { fail: Infinity, any: Infinity };
    lanes.forEach(function (v) {
      var marks = (v.timeline || []).slice(0, MAX_MARKS);
      var layout = pack(marks, t0, scale);
      var height = layout.rows * ROW_H + 4;
      var count = (v.timeline || []).length;
      var name = el('div', { class: 'lane-name ' + v.status, 'data-testid': 'lane-name', style: 'height:' + height + 'px',
        title: v.guarantee + ': ' + (v.status === 'unknown' ? 'not judged: ' + (v.reason || '') : v.summary) }, [
        v.guarantee + ' ', el('span', { class: 'title', text: count === 0 ? '' : '(' + count + (count > marks.length ? ', ' + marks.length + ' shown' : '') + ')' })]);
      var start = layout.placed.length === 0 ? 0 : Math.min.apply(null, layout.placed.map(function (p) { return p.x; }));
      name.addEventListener('click', function () { scroller.scrollLeft = Math.max(0, start - 40); });
      if (layout.placed.length > 0) {
        focus.any = Math.min(focus.any, start);
        if (v.status === 'fail') focus.fail = Math.min(focus.fail, start);
      }
      names.appendChild(name);
      var lane = el('div', { class: 'lane', id: idOf('lane', run.provider, v.guarantee), 'data-testid': 'lane', 'data-guarantee': v.guarantee,
        'data-provider': run.provider, 'data-rows': layout.rows, style: 'height:' + height + 'px;' + grid });
      layout.placed.forEach(function (spot) { lane.appendChild(markOf(run, v, spot)); });
      if (marks.length === 0 && v.status !== 'running') {
        lane.appendChild(el('span', { class: 'lane-note',
          text: v.deliveries > 0 ? v.deliveries + ' answers judged; none of its own on the timeline' : 'no deliveries' }));
      }
      body.appendChild(lane);
    });
    var heading = run.provider + ' — ' + (span / 1000).toFixed(2) + ' s of deliveries from +' + (t0 / 1000).toFixed(2) +
      ' s, one time axis for every lane (' + (zoom === 1 ? 'fit' : zoom + '× zoom') + ')';
    var at = focus.fail < Infinity ? focus.fail : focus.any < Infinity ? focus.any : 0;
    scroller.setAttribute('data-focus', Math.max(0, at - 40).toFixed(0));
    return el('div', { class: 'run-timeline', 'data-testid': 'run-timeline', 'data-provider': run.provider, 'data-zoom': zoom,
      'data-ms-per-px': (1 / scale).toPrecision(10) }, [
      el('h3', { text: heading }),
      el('div', { class: 'tl-grid' }, [names, scroller]),
    ]);
  }

  /**
   * Each run's timeline opens scrolled to the first mark of a failing lane (of any lane when none fails), and keeps
   * where the reader scrolled it until the zoom or the filters change.
   */
  function renderTimeline() {
    var host = clear(document.getElementById('timeline'));
    var runs = shownRuns();
    if (runs.length === 0) { host.appendChild(el('p', { class: 'empty', text: 'No deliveries yet.' })); return; }
    var width = Math.max(480, host.clientWidth - NAME_W - MIN_W - GAP - 8);
    runs.forEach(function (run) { host.appendChild(runTimeline(run, width)); });
    Array.prototype.forEach.call(host.querySelectorAll('.run-timeline'), function (node) {
      var provider = node.getAttribute('data-provider');
      var scroller = node.querySelector('.tl-scroll');
      var saved = state.scrolls[provider];
      scroller.scrollLeft = saved !== undefined ? saved : Number(scroller.getAttribute('data-focus'));
      scroller.addEventListener('scroll', function () { state.scrolls[provider] = scroller.scrollLeft; });
    });
  }
`;
