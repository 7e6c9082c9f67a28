/**
 * The page's live mode: follows `GET /events` (server-sent events: run, attempt, verdict, done), fills the runs as they
 * go and switches to report mode at `done`. A run is over once the next one starts (runs go one after another), so a
 * cell without a verdict then says "not run" instead of "not run yet". Part of the page script (see `html-client.ts`).
 */
// biome-ignore lint/complexity/noUselessStringRaw: raw keeps any backslash in the script as the browser must see it.
export const liveScript = String.raw`
  function runFor(provider) {
    for (var i = 0; i < state.runs.length; i++) if (state.runs[i].provider === provider) return state.runs[i];
    var run = { provider: provider, target: '', seed: 0, runId: '', startedAt: '', durationMs: 0, results: [], done: false };
    state.runs.push(run);
    return run;
  }
  function liveResult(run, guarantee) {
    var found = resultOf(run, guarantee);
    if (found !== null) return found;
    var result = { guarantee: guarantee, title: '', provider: run.provider, status: 'running', reason: null, seed: run.seed,
      deliveries: 0, durationMs: 0, summary: 'running', diagnosis: null, findings: [], replay: '', timeline: [] };
    run.results.push(result);
    return result;
  }

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
      state.runs.forEach(function (other) { if (other.provider !== info.provider) other.done = true; });
      var run = runFor(info.provider);
      run.target = info.target; run.seed = info.seed; run.runId = info.runId; run.startedAt = info.startedAt; run.done = false;
      schedule();
    });
    source.addEventListener('attempt', function (event) {
      if (!fresh(event)) return;
      var info = JSON.parse(event.data);
      state.liveAttempts += 1;
      var result = liveResult(runFor(info.provider), info.guarantee);
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
      var result = liveResult(run, info.verdict.guarantee);
      run.results[run.results.indexOf(result)] = info.verdict;
      schedule();
    });
    source.addEventListener('done', function (event) {
      if (!fresh(event)) return;
      var info = JSON.parse(event.data);
      state.runs = info.reports.map(function (r) { return copyRun(r, true); });
      state.mode = 'report';
      state.finished = true;
      source.close();
      render();
    });
  }
`;
