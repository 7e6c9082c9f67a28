import type { Style } from '../report/console.js';
import type { LoadReport } from './report.js';
import type { LoadProgress } from './run-load.js';

const MAX_SHOWN = 20;
const n = (value: number) => Math.round(value).toLocaleString('en-US');
const f = (value: number) => (value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0));

export function loadProgressLine(progress: LoadProgress): string {
  return `${(progress.elapsedMs / 1000).toFixed(1)}s  ${n(progress.sent)} sent  ${n(progress.ratePerSecond)}/s  ${n(progress.inFlight)} in flight  p50 ${f(progress.p50)} ms  p99 ${f(progress.p99)} ms`;
}

function modelText(report: LoadReport): string {
  return report.model.kind === 'open'
    ? `open model, ${n(report.model.ratePerSecond)}/s scheduled`
    : `closed model, concurrency ${report.model.concurrency}`;
}

/** The end-of-run summary: throughput, latency percentiles, outcome counts, then the correctness check. */
export function loadSummary(report: LoadReport, style: Style): string {
  const { deliveries: d, latencyMs: l, check, plan } = report;
  const lines = [
    style.bold(
      `${n(d.sent)} deliveries in ${(report.durationMs / 1000).toFixed(1)} s → ${n(report.throughputPerSecond)}/s (${modelText(report)})`,
    ),
    `  plan       ${n(plan.orders)} orders, ${n(plan.events)} events; ${n(d.genuine)} sent once, ${n(d.duplicates)} duplicates (${plan.duplicatePercent}%), ${n(d.forged)} forgeries (${plan.forgedPercent}%)${plan.exhausted ? '; the plan ran out before the limit' : ''}`,
    `  answers    ${n(d.acknowledged)} acknowledged (2xx), ${n(d.refused)} refused (4xx), ${n(d.unsure)} unsure (5xx or no answer)`,
    `  latency    p50 ${f(l.p50)} ms  p90 ${f(l.p90)} ms  p99 ${f(l.p99)} ms  p99.9 ${f(l.p999)} ms  max ${f(l.max)} ms`,
  ];
  if (report.backlog !== null) {
    lines.push(
      `  backlog    up to ${n(report.backlog.maxInFlight)} deliveries outstanding; sending fell behind schedule by up to ${f(report.backlog.maxLagMs)} ms`,
    );
  }
  lines.push(
    style.dim(
      `  memory     peak RSS ${(report.memory.peakRssBytes / 2 ** 20).toFixed(0)} MB (history ${(report.memory.historyBytes / 2 ** 20).toFixed(1)} MB); setup ${(report.setupMs / 1000).toFixed(1)} s`,
    ),
    '',
  );

  const mark =
    check.status === 'pass' ? style.ok('PASS') : check.status === 'fail' ? style.bad('FAIL') : style.dim('SKIP');
  lines.push(
    `${mark}  correctness: ${n(check.lost.count)} lost, ${n(check.appliedTwice.count)} applied twice, ${n(check.forgedAccepted.count)} forged accepted, ${n(check.unexplained.count)} unexplained (${n(check.ordersChecked)} orders checked through the probe)`,
  );
  if (check.reason !== null) lines.push(style.dim(`  ${check.reason}`));
  const list = <T>(title: string, total: number, items: readonly T[], line: (item: T) => string) => {
    if (total === 0) return;
    lines.push(`  ${title}:`);
    for (const item of items.slice(0, MAX_SHOWN)) lines.push(`    - ${line(item)}`);
    if (total > Math.min(items.length, MAX_SHOWN)) {
      lines.push(style.dim(`    … ${n(total - Math.min(items.length, MAX_SHOWN))} more (see --json)`));
    }
  };
  list('lost events (acknowledged, not applied)', check.lost.count, check.lost.events, (e) => {
    return `${e.eventId} (${e.kind}, order ${e.orderId}): ${e.problem}`;
  });
  list('applied twice', check.appliedTwice.count, check.appliedTwice.orders, (o) => `order ${o.orderId}: ${o.problem}`);
  list('forgeries accepted', check.forgedAccepted.count, check.forgedAccepted.deliveries, (x) => {
    return `delivery #${x.delivery} (${x.forgery}) of ${x.eventId} answered ${x.statusCode}`;
  });
  list(
    'unexplained orders',
    check.unexplained.count,
    check.unexplained.orders,
    (o) => `order ${o.orderId}: ${o.problem}`,
  );
  lines.push(style.dim(`  seed ${report.seed}, run ${report.runId}`));
  return lines.join('\n');
}
