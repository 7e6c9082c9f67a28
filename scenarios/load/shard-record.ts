import type { OrderView } from '../../contracts/probe.js';
import type { Observations } from './check.js';
import type { LoadHistory } from './history.js';
import type { ShardRecord } from './report.js';

const NO_LATENCY = 0xffff_ffff;

const base64 = (array: Uint8Array | Uint16Array | Uint32Array | Float64Array) =>
  Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');

/** Copies base64 bytes into a fresh, aligned typed array of `length` entries; null when the size does not fit. */
function decode<A extends Uint8Array | Uint16Array | Uint32Array | Float64Array>(
  text: string,
  make: new (length: number) => A,
  length: number,
): A | null {
  const bytes = Buffer.from(text, 'base64');
  const array = new make(length);
  if (bytes.length !== array.byteLength) return null;
  new Uint8Array(array.buffer).set(bytes);
  return array;
}

/** A shard's history and the views its check read, as the JSON report carries them. */
export function shardRecord(history: LoadHistory, observed: Observations): ShardRecord {
  const size = history.size;
  const event = new Uint32Array(size);
  const kind = new Uint8Array(size);
  const status = new Uint16Array(size);
  const sentAtMs = new Float64Array(size);
  const latencyUs = new Uint32Array(size);
  for (let n = 0; n < size; n += 1) {
    event[n] = history.event(n);
    kind[n] = history.kind(n);
    status[n] = history.status(n);
    sentAtMs[n] = history.sentAtMs(n);
    latencyUs[n] = history.latencyUs(n) ?? NO_LATENCY;
  }
  return {
    deliveries: {
      event: base64(event),
      kind: base64(kind),
      status: base64(status),
      sentAtMs: base64(sentAtMs),
      latencyUs: base64(latencyUs),
    },
    observed: [...observed.entries()].sort((a, b) => a[0] - b[0]),
  };
}

/**
 * Appends a shard record's deliveries to `history` (the union of the shards' histories) and its views to `observed`;
 * false when the columns do not have `size` entries each (an edited or truncated report).
 */
export function appendShardRecord(
  record: ShardRecord,
  size: number,
  history: LoadHistory,
  observed: Map<number, OrderView | null>,
): boolean {
  const { deliveries } = record;
  const event = decode(deliveries.event, Uint32Array, size);
  const kind = decode(deliveries.kind, Uint8Array, size);
  const status = decode(deliveries.status, Uint16Array, size);
  const sentAtMs = decode(deliveries.sentAtMs, Float64Array, size);
  const latencyUs = decode(deliveries.latencyUs, Uint32Array, size);
  if (event === null || kind === null || status === null || sentAtMs === null || latencyUs === null) return false;
  for (let n = 0; n < size; n += 1) {
    const number = history.sent(event[n] ?? 0, kind[n] ?? 0, sentAtMs[n] ?? 0);
    const latency = latencyUs[n] ?? NO_LATENCY;
    if (latency !== NO_LATENCY) history.answered(number, status[n] ?? 0, latency);
  }
  for (const [order, view] of record.observed) observed.set(order, view);
  return true;
}
