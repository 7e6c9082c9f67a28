import type { AttemptRecord } from '../record/run-record.js';
import type { Finding, Verdict } from '../verdict.js';
import { summarize, timedOut } from './answers.js';

export interface LatencyContext {
  readonly provider: string;
  /** How long the gateway waits for an answer. */
  readonly timeoutMs: number;
  readonly title: string;
  readonly replay: string;
  readonly seed: number;
  readonly durationMs: number;
}

/** Slowest deliveries listed as evidence. */
const EVIDENCE = 10;

/**
 * `liveness.ack-latency` over every genuine delivery of the run: each must be answered within the gateway's timeout
 * (a later answer is a timeout to the gateway, which then delivers again). Percentiles of the answered ones and the
 * slowest deliveries are the evidence. Malformed or forged deliveries are other guarantees' to judge.
 */
export function judgeLatency(attempts: readonly AttemptRecord[], ctx: LatencyContext): Verdict {
  const genuine = attempts.filter((a) => a.expect === 'accept');
  const latencies = genuine.filter((a) => a.statusCode !== null).map((a) => a.answeredAt - a.sentAt);
  const late = genuine.filter((a) => timedOut(a) || (a.statusCode !== null && a.answeredAt - a.sentAt > ctx.timeoutMs));
  const stats = percentiles(latencies);
  const figures =
    latencies.length === 0
      ? 'no genuine delivery was answered'
      : `p50 ${stats.p50} ms, p90 ${stats.p90} ms, p99 ${stats.p99} ms, max ${stats.max} ms over ${latencies.length} answers`;
  const slowest = [...late].sort((a, b) => b.answeredAt - b.sentAt - (a.answeredAt - a.sentAt)).slice(0, EVIDENCE);
  const findings: Finding[] =
    late.length === 0
      ? []
      : [
          {
            problem:
              `${late.length} of ${genuine.length} genuine deliveries were not answered within the gateway's ` +
              `${ctx.timeoutMs / 1000} s timeout (${figures}); the gateway counts each as failed and delivers it again`,
            reason: 'latency.over-timeout',
            phase: 'every genuine delivery of the run',
            orderId: null,
            deliveries: slowest.map(summarize),
            observed: null,
            expected: null,
            differences: [],
          },
        ];
  const status = findings.length > 0 ? 'fail' : genuine.length === 0 ? 'unknown' : 'pass';
  return {
    guarantee: 'liveness.ack-latency',
    title: ctx.title,
    provider: ctx.provider,
    status,
    reason: status === 'unknown' ? 'no genuine delivery was made in this run' : null,
    seed: ctx.seed,
    deliveries: genuine.length,
    durationMs: ctx.durationMs,
    summary: status === 'fail' ? (findings[0]?.problem ?? '') : `every genuine delivery answered in time: ${figures}`,
    diagnosis:
      status === 'fail'
        ? 'Answer 2xx as soon as the event is durably stored, and do the work afterwards (a queue, an inbox worker): ' +
          "the gateway's timeout covers the whole answer."
        : null,
    findings,
    replay: ctx.replay,
  };
}

function percentiles(values: readonly number[]): { p50: number; p90: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: Math.round(sorted.at(-1) ?? 0) };
}
