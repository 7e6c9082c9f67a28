import type { RunReport, TimelineEntry, Verdict } from '../verdict.js';

/** What the dashboard streams, in order: a run starts, its attempts and verdicts arrive, then every run is done. */
export type LiveEvent =
  | {
      readonly type: 'run';
      readonly provider: string;
      readonly target: string;
      readonly seed: number;
      readonly runId: string;
      readonly startedAt: string;
    }
  | { readonly type: 'attempt'; readonly provider: string; readonly guarantee: string; readonly entry: TimelineEntry }
  | { readonly type: 'verdict'; readonly provider: string; readonly verdict: Verdict }
  | { readonly type: 'done'; readonly reports: readonly RunReport[] };

export interface SequencedEvent {
  readonly seq: number;
  readonly event: LiveEvent;
}

type Listener = (event: SequencedEvent) => void;

/** Most events kept for a page that connects late; older attempts are dropped first (their verdicts carry them). */
export const DEFAULT_BACKLOG = 5_000;

/**
 * The run's events, numbered, with a bounded backlog so a page opened (or reconnecting) mid-run catches up. A late page
 * may miss early attempts once the backlog is full; `run`, `verdict` and `done` events are never dropped.
 */
export class LiveFeed {
  readonly #backlog: SequencedEvent[] = [];
  readonly #listeners = new Set<Listener>();
  readonly #limit: number;
  #seq = 0;

  constructor(limit = DEFAULT_BACKLOG) {
    this.#limit = limit;
  }

  publish(event: LiveEvent): void {
    this.#seq += 1;
    const sequenced = { seq: this.#seq, event };
    this.#backlog.push(sequenced);
    if (this.#backlog.length > this.#limit) {
      const oldest = this.#backlog.findIndex((e) => e.event.type === 'attempt');
      this.#backlog.splice(oldest >= 0 ? oldest : 0, 1);
    }
    for (const listener of this.#listeners) listener(sequenced);
  }

  /** Events after `afterSeq` (a reconnecting page's Last-Event-ID), then every new one; returns the unsubscribe. */
  subscribe(listener: Listener, afterSeq = 0): () => void {
    for (const event of this.#backlog) if (event.seq > afterSeq) listener(event);
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get backlogSize(): number {
    return this.#backlog.length;
  }
}

/** One server-sent event: `id`, `event` and a single `data` line (JSON never contains a raw newline). */
export function formatSse({ seq, event }: SequencedEvent): string {
  return `id: ${seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}
