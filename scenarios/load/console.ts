import type { Style } from '../report/console.js';
import type { LoadReport } from './report.js';
import type { LoadProgress } from './run-load.js';
import { formatMeasured } from './threshold.js';

const MAX_SHOWN = 20;
const n = (value: number) => Math.round(value).toLocaleString('en-US');
const f = (value: number) => (value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0));

export function loadProgressLine(progress: LoadProgress): string {
  const { total, etaSeconds } = progress;
  const sent =
    total === null || total === 0
      ? `${n(progress.sent)} sent`
      : `${n(progress.sent)}/${n(total)} sent (${Math.min(100, Math.floor((progress.sent * 100) / total))}%)`;
  const eta = etaSeconds === null ? '' : `  ETA ${duration(etaSeconds)}`;
  return `${(progress.elapsedMs / 1000).toFixed(1)}s  ${sent}${eta}  ${n(progress.ratePerSecond)}/s  ${n(progress.inFlight)} in flight  p50 ${f(progress.p50)} ms  p99 ${f(progress.p99)} ms`;
}

const duration = (seconds: number) =>
  seconds < 60
    ? `${Math.ceil(seconds)}s`
    : `${Math.floor(seconds / 60)}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;

const CLEAR_LINE = '\r\u001b[2K';

/**
 * A terminal's output during a run: the progress line is rewritten in place, and cleared before any other line is
 * written and at the end, so no progress text is left in front of what follows.
 */
export function liveOutput(write: (text: string) => void, live: boolean) {
  let shown = false;
  const clear = () => {
    if (shown) write(CLEAR_LINE);
    shown = false;
  };
  return {
    progress(line: string): void {
      if (!live) return;
      write(`${CLEAR_LINE}${line}`);
      shown = true;
    },
    line(text: string): void {
      clear();
      write(`${text}\n`);
    },
    end: clear,
  };
}

function modelText(report: LoadReport): string {
  return report.model.kind === 'open'
    ? `open model, ${n(report.model.ratePerSecond)}/s scheduled`
    : `closed model, concurrency ${report.model.concurrency}`;
}

/** The end-of-run summary: throughput, latency percentiles, outcome counts, then the correctness check. */
export function loadSummary(report: LoadReport, style: Style): string {
  const { deliveries: d, latencyMs: l, check, plan } = report;
  const part = report.shard === null ? '' : ` (shard ${report.shard.index}/${report.shard.count} of the plan)`;
  const merged = report.mergedShards === null ? '' : ` (${report.mergedShards} shards merged)`;
  const lines = [
    style.bold(
      `${n(d.sent)} deliveries in ${(report.durationMs / 1000).toFixed(1)} s → ${n(report.throughputPerSecond)}/s (${modelText(report)})${part}${merged}`,
    ),
    `  sent       ${n(d.genuine)} events once, ${n(d.duplicates)} duplicates (${plan.duplicatePercent}%), ${n(d.forged)} forgeries (${plan.forgedPercent}%)`,
    `  plan       ${n(plan.orders)} orders, ${n(plan.events)} events, up to ${n(plan.deliveries)} deliveries${plan.exhausted ? '; the plan ran out before the limit' : ''}`,
    `  answers    ${n(d.acknowledged)} acknowledged (2xx), ${n(d.refused)} refused (4xx), ${n(d.unsure)} unsure (5xx or no answer)`,
    `  latency    p50 ${f(l.p50)} ms  p90 ${f(l.p90)} ms  p95 ${f(l.p95)} ms  p99 ${f(l.p99)} ms  p99.9 ${f(l.p999)} ms  max ${f(l.max)} ms`,
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
    `${mark}  correctness: ${n(check.lost.count)} lost, ${n(check.appliedTwice.count)} applied twice, ${n(check.amountMismatch.count)} amount mismatch, ${n(check.outOfOrder.count)} out of order, ${n(check.forgedAccepted.count)} forged accepted, ${n(check.unexplained.count)} unexplained`,
  );
  if (check.reason !== null) lines.push(style.dim(`  ${check.reason}`));
  else lines.push(style.dim(`  ${ordersText(report)}`));
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
  list(
    'amount mismatch (fulfilled although the amount or currency differ)',
    check.amountMismatch.count,
    check.amountMismatch.orders,
    (o) => `order ${o.orderId}: ${o.problem}`,
  );
  list('out of order', check.outOfOrder.count, check.outOfOrder.orders, (o) => `order ${o.orderId}: ${o.problem}`);
  list('forgeries accepted', check.forgedAccepted.count, check.forgedAccepted.deliveries, (x) => {
    return `delivery #${x.delivery} (${x.forgery}) of ${x.eventId} answered ${x.statusCode}`;
  });
  list(
    'unexplained orders',
    check.unexplained.count,
    check.unexplained.orders,
    (o) => `order ${o.orderId}: ${o.problem}`,
  );
  for (const t of report.thresholds) {
    const measured = `${t.metric} was ${formatMeasured(t.metric, t.measured)}`;
    lines.push(
      t.passed
        ? `${style.ok('✓')} threshold ${t.expression} (${measured})`
        : style.bad(`✗ threshold ${t.expression} crossed: ${measured}`),
    );
  }
  lines.push(style.dim(`  seed ${report.seed}, run ${report.runId}; replay: ${report.replay}`));
  return lines.join('\n');
}

/** Why fewer orders are checked than created: orders whose events all fell past the delivery limit got none. */
export function ordersText(report: LoadReport): string {
  const { ordersCreated, ordersChecked } = report.check;
  const unsent = ordersCreated - ordersChecked;
  const why =
    unsent > 0
      ? `; the other ${n(unsent)} got no event before the ${report.plan.exhausted ? 'plan ended' : '--events or --duration limit'}, so there was nothing to check`
      : '';
  return `${n(ordersCreated)} orders created through the probe, ${n(ordersChecked)} checked (every order an event was sent for)${why}`;
}
