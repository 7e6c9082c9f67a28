/**
 * The page's filters, all in the page (no request): by status (fail, unknown, pass, not applicable, not run), by
 * provider and by guarantee. They live in the URL hash (`#status=fail,unknown&provider=stripe`), so a filtered view
 * can be bookmarked; the older `#show=fail` and `#show=problems` still open their view. A grid cell that is
 * `running`, `not run yet` or `not run` counts as "not run". Part of the page script (see `html-client.ts`).
 */
// Raw: the script's backslashes ('\n') reach the browser as written.
export const filtersScript = String.raw`
  var STATUSES = ['fail', 'unknown', 'pass', 'not-applicable', 'not-run'];
  var STATUS_GROUP = { running: 'not-run', 'not-run-yet': 'not-run', 'not-run': 'not-run' };

  function readFilters() {
    var params = new URLSearchParams(location.hash.replace(/^#/, ''));
    var statuses = STATUSES.slice();
    var listed = params.get('status');
    var show = params.get('show');
    if (listed !== null) statuses = STATUSES.filter(function (s) { return listed.split(',').indexOf(s) >= 0; });
    else if (show === 'fail') statuses = ['fail'];
    else if (show === 'problems') statuses = ['fail', 'unknown'];
    return { statuses: statuses, provider: params.get('provider') || '', guarantee: params.get('guarantee') || '' };
  }
  function writeFilters() {
    var params = new URLSearchParams();
    if (state.filters.statuses.length < STATUSES.length) params.set('status', state.filters.statuses.join(','));
    if (state.filters.provider) params.set('provider', state.filters.provider);
    if (state.filters.guarantee) params.set('guarantee', state.filters.guarantee);
    var hash = params.toString().replace(/%2C/g, ',');
    try { history.replaceState(null, '', hash ? '#' + hash : location.pathname + location.search); }
    catch (error) { location.hash = hash; }
  }
  function statusShown(status) { return state.filters.statuses.indexOf(STATUS_GROUP[status] || status) >= 0; }
  function providerShown(run) { return !state.filters.provider || run.provider === state.filters.provider; }
  function guaranteeShown(guarantee) { return !state.filters.guarantee || guarantee === state.filters.guarantee; }
  function verdictShown(run, v) { return providerShown(run) && guaranteeShown(v.guarantee) && statusShown(v.status); }
  function shownRuns() { return state.runs.filter(providerShown); }

  /** A select's options (all, then each value); a filter from the hash that names nothing here yet stays shown. */
  function setOptions(select, values, current) {
    if (current && values.indexOf(current) < 0) values = values.concat([current]);
    var wanted = [''].concat(values);
    var have = Array.prototype.map.call(select.options, function (o) { return o.value; });
    if (have.join('\n') !== wanted.join('\n')) {
      clear(select).appendChild(el('option', { value: '', text: 'all' }));
      values.forEach(function (v) { select.appendChild(el('option', { value: v, text: v })); });
    }
    select.value = current;
  }
  function statusBoxes() { return document.querySelectorAll('#filter-status input[type=checkbox]'); }
  function renderFilters() {
    Array.prototype.forEach.call(statusBoxes(), function (box) { box.checked = state.filters.statuses.indexOf(box.value) >= 0; });
    setOptions(document.getElementById('filter-provider'), state.runs.map(function (r) { return r.provider; }), state.filters.provider);
    setOptions(document.getElementById('filter-guarantee'), rowIds(), state.filters.guarantee);
    var hidden = 0;
    state.runs.forEach(function (run) { run.results.forEach(function (v) { if (!verdictShown(run, v)) hidden += 1; }); });
    document.getElementById('filter-note').textContent = hidden === 0 ? '' : hidden + ' verdicts hidden by the filters';
  }
  function bindFilters() {
    var provider = document.getElementById('filter-provider');
    var guarantee = document.getElementById('filter-guarantee');
    var zoom = document.getElementById('zoom');
    var changed = function () {
      var statuses = Array.prototype.filter.call(statusBoxes(), function (box) { return box.checked; })
        .map(function (box) { return box.value; });
      state.filters = { statuses: statuses, provider: provider.value, guarantee: guarantee.value };
      state.scrolls = {};
      writeFilters();
      render();
    };
    Array.prototype.forEach.call(statusBoxes(), function (box) { box.addEventListener('change', changed); });
    [provider, guarantee].forEach(function (select) { select.addEventListener('change', changed); });
    zoom.addEventListener('change', function () { state.zoom = zoom.value; state.scrolls = {}; renderTimeline(); });
    document.getElementById('filters').addEventListener('submit', function (event) { event.preventDefault(); });
    window.addEventListener('hashchange', function () { state.filters = readFilters(); state.scrolls = {}; render(); });
  }
`;
