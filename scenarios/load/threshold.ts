import { z } from 'zod';
import { closestWord } from '../../contracts/did-you-mean.js';
import { IpnError } from '../../contracts/errors.js';
import type { LoadReport } from './report.js';

/**
 * Load thresholds, as k6 has them: `p99<200ms`, `lost==0`, `error_rate<1%`. Each names a metric of the run, an
 * operator and a limit; a run that crosses one exits with THRESHOLD_EXIT_CODE.
 */
export const THRESHOLD_EXIT_CODE = 99;

const latencyMetrics = ['p50', 'p90', 'p95', 'p99', 'p99.9', 'max', 'mean'] as const;
const countMetrics = ['lost', 'twice', 'forged', 'amount_mismatch', 'out_of_order', 'unexplained', 'errors'] as const;
/** Metrics only a probe can measure: a threshold on one needs --probe. */
export const probeMetrics: readonly string[] = ['lost', 'twice', 'amount_mismatch', 'out_of_order', 'unexplained'];
export const thresholdMetrics = [...latencyMetrics, ...countMetrics, 'error_rate', 'throughput'] as const;
export type ThresholdMetric = (typeof thresholdMetrics)[number];

/** What each metric measures (the summary's JSON Schema and `load --help` show it). */
export const metricDescriptions: Record<ThresholdMetric, string> = {
  p50: 'median acknowledgement latency, ms',
  p90: '90th percentile acknowledgement latency, ms',
  p95: '95th percentile acknowledgement latency, ms',
  p99: '99th percentile acknowledgement latency, ms',
  'p99.9': '99.9th percentile acknowledgement latency, ms',
  max: 'slowest acknowledgement, ms',
  mean: 'mean acknowledgement latency, ms',
  lost: 'events acknowledged (2xx) but not applied',
  twice: 'orders with a side effect applied more than once',
  forged: 'forgeries answered 2xx',
  amount_mismatch: 'orders fulfilled although the payment amount or currency differ',
  out_of_order: 'orders left wrong by events acknowledged out of order',
  unexplained: 'orders in a state no set of the sent events explains',
  errors: 'genuine deliveries (first copies and duplicates) answered other than 2xx, or not at all',
  error_rate: 'errors over genuine deliveries, a fraction',
  throughput: 'deliveries answered per second',
};

const operators = ['<=', '>=', '==', '<', '>'] as const;
export type ThresholdOperator = (typeof operators)[number];

export const ThresholdSchema = z.object({
  expression: z.string(),
  metric: z.enum(thresholdMetrics),
  operator: z.enum(operators),
  /** In the metric's unit: ms for latencies, a fraction for error_rate, per second for throughput. */
  limit: z.number(),
});
export type Threshold = z.infer<typeof ThresholdSchema>;

export const ThresholdResultSchema = ThresholdSchema.extend({
  measured: z.number(),
  passed: z.boolean(),
});
export type ThresholdResult = z.infer<typeof ThresholdResultSchema>;

const EXAMPLES = "'p99<200ms', 'p99.9<=1s', 'lost==0', 'error_rate<1%', 'throughput>=500'";
const SHAPE =
  /^\s*([a-z_]+|p\d+(?:\.\d+)?|p\(\d+(?:\.\d+)?\))\s*(<=|>=|==|=|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*([a-zµ%]*)\s*$/i;

/** Parses one threshold; a mistake throws IPN_ERR_THRESHOLD_INVALID naming the fix. */
export function parseThreshold(expression: string): Threshold {
  const fail = (problem: string) =>
    new IpnError('IPN_ERR_THRESHOLD_INVALID', `threshold "${expression}": ${problem}.`, {
      hint: `Write METRIC OPERATOR VALUE, such as ${EXAMPLES}; metrics: ${thresholdMetrics.join(', ')}; operators: ${operators.join(' ')}.`,
    });
  const match = SHAPE.exec(expression);
  if (match === null) throw fail('expected a metric, an operator and a number, such as p99<200ms');
  const [, rawMetric = '', operator = '', number = '', rawUnit = ''] = match;
  const metric = rawMetric.toLowerCase().replace(/^p\((.*)\)$/, 'p$1');
  if (!(thresholdMetrics as readonly string[]).includes(metric)) {
    const guess = closestWord(metric, thresholdMetrics);
    throw fail(`unknown metric "${rawMetric}"${guess === undefined ? '' : ` (did you mean ${guess}?)`}`);
  }
  if (operator === '=' || operator === '!=') throw fail(`"${operator}" is not an operator; use ==, <, <=, > or >=`);
  const unit = rawUnit.toLowerCase();
  const value = Number(number);
  const known = metric as ThresholdMetric;
  return {
    expression,
    metric: known,
    operator: operator as ThresholdOperator,
    limit: limitOf(known, value, unit, fail),
  };
}

function limitOf(metric: ThresholdMetric, value: number, unit: string, fail: (problem: string) => Error): number {
  if ((latencyMetrics as readonly string[]).includes(metric)) {
    const scale: Record<string, number> = { '': 1, ms: 1, s: 1000, us: 0.001, µs: 0.001 };
    const factor = scale[unit];
    if (factor === undefined) throw fail(`${metric} is a latency: give ms, s or us (or no unit for ms), not "${unit}"`);
    return value * factor;
  }
  if (metric === 'error_rate') {
    if (unit === '%') return value / 100;
    if (unit !== '') throw fail(`error_rate is a fraction (0.01) or a percentage (1%), not "${unit}"`);
    if (value > 1) throw fail(`error_rate ${value} is more than 1; write a percentage as ${value}%`);
    return value;
  }
  if (metric === 'throughput') {
    if (unit !== '' && unit !== '/s') throw fail(`throughput is deliveries a second: no unit, not "${unit}"`);
    return value;
  }
  if (unit !== '') throw fail(`${metric} is a count: no unit, not "${unit}"`);
  if (!Number.isInteger(value)) throw fail(`${metric} is a count: give a whole number`);
  return value;
}

/** Deliveries of genuine events (first copies and duplicates) that got no 2xx: what a correct receiver never does. */
export function deliveryErrors(report: LoadReport): { errors: number; rate: number } {
  const { deliveries, check } = report;
  const genuine = deliveries.genuine + deliveries.duplicates;
  const errors = Math.max(0, genuine - (deliveries.acknowledged - check.forgedAccepted.count));
  return { errors, rate: genuine === 0 ? 0 : errors / genuine };
}

/** Every metric a threshold can name, measured on a report. */
export function measuredMetrics(report: LoadReport): Record<ThresholdMetric, number> {
  const { latencyMs: l, check } = report;
  const { errors, rate } = deliveryErrors(report);
  return {
    p50: l.p50,
    p90: l.p90,
    p95: l.p95,
    p99: l.p99,
    'p99.9': l.p999,
    max: l.max,
    mean: l.mean,
    lost: check.lost.count,
    twice: check.appliedTwice.count,
    forged: check.forgedAccepted.count,
    amount_mismatch: check.amountMismatch.count,
    out_of_order: check.outOfOrder.count,
    unexplained: check.unexplained.count,
    errors,
    error_rate: Math.round(rate * 1e6) / 1e6,
    throughput: report.throughputPerSecond,
  };
}

const holds: Record<ThresholdOperator, (measured: number, limit: number) => boolean> = {
  '<': (m, l) => m < l,
  '<=': (m, l) => m <= l,
  '>': (m, l) => m > l,
  '>=': (m, l) => m >= l,
  '==': (m, l) => m === l,
};

export function evaluateThresholds(thresholds: readonly Threshold[], report: LoadReport): ThresholdResult[] {
  const metrics = measuredMetrics(report);
  return thresholds.map((threshold) => {
    const measured = metrics[threshold.metric];
    return { ...threshold, measured, passed: holds[threshold.operator](measured, threshold.limit) };
  });
}

/** How a measured value reads: `254 ms`, `3`, `1.2%`, `980/s`. */
export function formatMeasured(metric: ThresholdMetric, value: number): string {
  if ((latencyMetrics as readonly string[]).includes(metric)) return `${value} ms`;
  if (metric === 'error_rate') return `${Math.round(value * 1e4) / 100}%`;
  if (metric === 'throughput') return `${value}/s`;
  return String(value);
}
