import { pageStyle } from '../report/html-style.js';
import { ordersText } from './console.js';
import type { LoadReport } from './report.js';
import { formatMeasured } from './threshold.js';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const WIDTH = 760;
const HEIGHT = 260;
const PAD = { left: 56, right: 16, top: 16, bottom: 36 };
const MAX_POINTS = 600;

/** Inline SVG: p50, p99 and max acknowledgement latency per second of the run. */
export function latencyChart(report: LoadReport): string {
  const points = downsample(report.timeline.filter((p) => p.count > 0));
  if (points.length === 0) return '<p>No answers were recorded.</p>';
  const lastSecond = Math.max(1, ...points.map((p) => p.second));
  const yTicks = niceTicks(Math.max(...points.map((p) => p.max)));
  const top = yTicks.at(-1) ?? 1;
  const xTicks = niceTicks(Math.max(5, lastSecond));
  const right = xTicks.at(-1) ?? 1;
  const x = (second: number) => PAD.left + (second / right) * (WIDTH - PAD.left - PAD.right);
  const y = (ms: number) => HEIGHT - PAD.bottom - (ms / top) * (HEIGHT - PAD.top - PAD.bottom);
  const line = (pick: (p: (typeof points)[number]) => number, colour: string) =>
    `<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${points
      .map((p) => `${x(p.second).toFixed(1)},${y(pick(p)).toFixed(1)}`)
      .join(' ')}"/>`;
  const ticks = yTicks.map(
    (value) =>
      `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(value).toFixed(1)}" y2="${y(value).toFixed(1)}" stroke="#ddd"/><text x="${PAD.left - 6}" y="${(y(value) + 4).toFixed(1)}" text-anchor="end">${tickLabel(value)}</text>`,
  );
  const secondTicks = xTicks.map(
    (second) =>
      `<text x="${x(second).toFixed(1)}" y="${HEIGHT - 8}" text-anchor="middle">${tickLabel(second)} s</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" font-size="11" font-family="sans-serif" role="img" aria-label="acknowledgement latency over time">
${ticks.join('\n')}
${secondTicks.join('')}
<text x="12" y="${PAD.top + 4}">ms</text>
${line((p) => p.max, '#bbb')}
${line((p) => p.p99, '#d9480f')}
${line((p) => p.p50, '#1971c2')}
<g transform="translate(${PAD.left + 8},${PAD.top + 4})"><text fill="#1971c2">p50</text><text x="34" fill="#d9480f">p99</text><text x="68" fill="#999">max</text></g>
</svg>`;
}

/**
 * Axis ticks from 0 to at least `max` in steps of 1, 2 or 5 times a power of ten (so 0, 50, 100, 150 ms, never 37.8),
 * four to eight of them.
 */
export function niceTicks(max: number): number[] {
  const top = max > 0 ? max : 1;
  const rough = top / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 5, 10].map((m) => m * power).find((s) => top / s <= 7) ?? 10 * power) as number;
  const count = Math.ceil(top / step - 1e-9);
  return Array.from({ length: count + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

const tickLabel = (value: number) => String(Number(value.toPrecision(6)));

function downsample<T>(points: readonly T[]): T[] {
  if (points.length <= MAX_POINTS) return [...points];
  const step = points.length / MAX_POINTS;
  return Array.from({ length: MAX_POINTS }, (_, i) => points[Math.floor(i * step)] as T);
}

/** The headline, where the run report says "N held, M broken": what the check counted and the thresholds crossed. */
function summaryLine(report: LoadReport): string {
  const { check } = report;
  const crossed = report.thresholds.filter((t) => !t.passed).map((t) => t.expression);
  return (
    `${check.status.toUpperCase()}: ${report.deliveries.sent} deliveries, ${check.lost.count} lost, ` +
    `${check.appliedTwice.count} applied twice, ${check.forgedAccepted.count} forged accepted` +
    (crossed.length === 0 ? '' : `; thresholds crossed: ${crossed.join(', ')}`)
  );
}

/**
 * `--html FILE`: one self-contained page (no external assets) with the summary, the chart and the check, in the run
 * report's stylesheet (`report/html-style.ts`) and its layout (header, summary line, sections).
 */
export function loadHtml(report: LoadReport): string {
  const { deliveries: d, latencyMs: l, check } = report;
  const row = (name: string, value: string | number) =>
    `<tr><th>${escapeHtml(name)}</th><td>${escapeHtml(String(value))}</td></tr>`;
  const items = [
    ...check.lost.events.map((e) => `lost: ${e.eventId} (${e.kind}, order ${e.orderId}): ${e.problem}`),
    ...check.appliedTwice.orders.map((o) => `applied twice: order ${o.orderId}: ${o.problem}`),
    ...check.amountMismatch.orders.map((o) => `amount mismatch: order ${o.orderId}: ${o.problem}`),
    ...check.outOfOrder.orders.map((o) => `out of order: order ${o.orderId}: ${o.problem}`),
    ...check.forgedAccepted.deliveries.map(
      (x) => `forged accepted: delivery #${x.delivery} (${x.forgery}) of ${x.eventId} → ${x.statusCode}`,
    ),
    ...check.unexplained.orders.map((o) => `unexplained: order ${o.orderId}: ${o.problem}`),
  ];
  const broken = check.status === 'fail' || report.thresholds.some((t) => !t.passed);
  const tone = broken ? 'broken' : check.status === 'skipped' ? 'unknown' : 'held';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>ipn-gauntlet load — ${escapeHtml(report.provider)}</title>
<style>${pageStyle}</style>
</head><body data-mode="load">
<header>
<h1>ipn-gauntlet load</h1>
<span class="badge">load</span>
<p id="summary" class="${tone}" data-testid="summary">${escapeHtml(summaryLine(report))}</p>
<div id="runs">${escapeHtml(report.provider)} → ${escapeHtml(report.target)}  (seed ${report.seed}, run ${escapeHtml(report.runId)}, started ${escapeHtml(report.startedAt)})</div>
</header>
<main>
<section><h2>Summary</h2>
<table class="facts">
${row('model', report.model.kind === 'open' ? `open, ${report.model.ratePerSecond}/s` : `closed, concurrency ${report.model.concurrency}`)}
${row('deliveries', `${d.sent} in ${(report.durationMs / 1000).toFixed(1)} s (${report.throughputPerSecond}/s)`)}
${row('answers', `${d.acknowledged} acknowledged, ${d.refused} refused, ${d.unsure} unsure`)}
${row('latency ms', `p50 ${l.p50} · p90 ${l.p90} · p95 ${l.p95} · p99 ${l.p99} · p99.9 ${l.p999} · max ${l.max}`)}
${report.backlog === null ? '' : row('backlog', `${report.backlog.maxInFlight} outstanding at most, ${report.backlog.maxLagMs} ms behind schedule at most`)}
${row('correctness', `${check.lost.count} lost, ${check.appliedTwice.count} applied twice, ${check.amountMismatch.count} amount mismatch, ${check.outOfOrder.count} out of order, ${check.forgedAccepted.count} forged accepted, ${check.unexplained.count} unexplained`)}
${row('orders', check.reason ?? ordersText(report))}
${report.thresholds.map((t) => row(`threshold ${t.expression}`, `${t.passed ? 'held' : 'crossed'}: ${t.metric} was ${formatMeasured(t.metric, t.measured)}`)).join('\n')}
</table></section>
<section><h2>Replay</h2>
<div class="replay-row"><pre class="replay">${escapeHtml(report.replay)}</pre></div></section>
<section><h2>Acknowledgement latency over time</h2>
<div class="chart">${latencyChart(report)}</div></section>
${items.length === 0 ? '' : `<section><h2>Problems</h2><ul class="problems">${items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul></section>`}
</main>
</body></html>
`;
}
