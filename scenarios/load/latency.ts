import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';

/** Acknowledgement latency percentiles, milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

/** One interval of the latency-over-time chart (by answer time since the start), milliseconds. */
export interface LatencyPoint {
  readonly second: number;
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

const HIGHEST_US = 3_600_000_000;

function histogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3 });
}

const ms = (us: number) => Math.round(us) / 1000;

/** HDR histograms of latencies in microseconds: one for the whole run, one per second for the timeline. */
export class LatencyRecorder {
  readonly #total = histogram();
  readonly #second = histogram();
  #currentSecond = 0;
  readonly #timeline: LatencyPoint[] = [];

  /** `atMs`: when the answer came, milliseconds since the start of the run. */
  record(atMs: number, latencyUs: number): void {
    const value = Math.min(Math.max(1, Math.round(latencyUs)), HIGHEST_US);
    const second = Math.max(0, Math.floor(atMs / 1000));
    if (second > this.#currentSecond) this.#closeUntil(second);
    this.#total.recordValue(value);
    this.#second.recordValue(value);
  }

  summary(): LatencySummary {
    return summarize(this.#total);
  }

  /** The whole run's histogram, HDR compressed base64 (what `load merge` adds up). */
  encoded(): string {
    return encodeIntoCompressedBase64(this.#total);
  }

  /** p50 and p99 so far, milliseconds (for the live progress line). */
  soFar(): { p50: number; p99: number } {
    const { p50, p99 } = summarize(this.#total);
    return { p50, p99 };
  }

  /** The per-second points, the current second included. */
  timeline(): LatencyPoint[] {
    const current = this.#second.totalCount > 0 ? [this.#point(this.#currentSecond)] : [];
    return [...this.#timeline, ...current];
  }

  #closeUntil(second: number): void {
    this.#timeline.push(this.#point(this.#currentSecond));
    for (let s = this.#currentSecond + 1; s < second; s += 1) {
      this.#timeline.push({ second: s, count: 0, p50: 0, p99: 0, max: 0 });
    }
    this.#second.reset();
    this.#currentSecond = second;
  }

  #point(second: number): LatencyPoint {
    const h = this.#second;
    return {
      second,
      count: h.totalCount,
      p50: ms(Math.min(h.getValueAtPercentile(50), h.maxValue)),
      p99: ms(Math.min(h.getValueAtPercentile(99), h.maxValue)),
      max: ms(h.maxValue),
    };
  }
}

/** Several runs' encoded histograms added up: the merged histogram, encoded, and its summary. */
export function mergeHistograms(encoded: readonly string[]): { encoded: string; summary: LatencySummary } {
  const total = histogram();
  for (const one of encoded) total.add(decodeFromCompressedBase64(one));
  return { encoded: encodeIntoCompressedBase64(total), summary: summarize(total) };
}

/**
 * Percentiles of one histogram. HDR reports a percentile as the highest value equivalent to its bucket, which can lie
 * above the largest value recorded (p99.9 above max); each percentile is capped at the maximum.
 */
function summarize(h: Histogram): LatencySummary {
  const at = (percentile: number) => ms(Math.min(h.getValueAtPercentile(percentile), h.maxValue));
  return {
    count: h.totalCount,
    p50: at(50),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    p999: at(99.9),
    max: ms(h.maxValue),
    mean: Math.round(h.mean) / 1000,
  };
}
