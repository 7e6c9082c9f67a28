import { setTimeout as delay } from 'node:timers/promises';
import { request } from 'undici';

/** What a watch of a receiver's probe saw: how many events its inbox held while a run went on. */
export interface InboxWatch {
  /** Marks a moment (a restart finished); `pendingAfter` reads the first sample after it. */
  mark(): void;
  /** Stops polling and summarises. */
  stop(): Promise<InboxSummary>;
}

export interface InboxSummary {
  /** The most events pending in one sample. */
  readonly peakPending: number;
  /** Pending in the first sample that answered after the last mark (null: no mark, or no answer after it). */
  readonly pendingAfterLastMark: number | null;
  /** Milliseconds from the last mark until a sample showed 0 pending (null: never seen). */
  readonly drainedAfterLastMarkMs: number | null;
  readonly samples: number;
}

/**
 * Polls `GET {probe}/health` every `everyMs` (each call bounded at 1 s) and keeps `inboxPending`, so a crash burst can
 * report what the receiver still had to apply when the gauntlet began waiting for it. A refused or failed call is
 * a gap (the receiver was being restarted), not an error.
 */
export function watchInbox(probe: string, token: string, everyMs = 100): InboxWatch {
  const samples: { at: number; pending: number }[] = [];
  let lastMark: number | null = null;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const pending = await request(`${probe}/health`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(1_000),
      }).then(
        async (response) => {
          const body = (await response.body.json().catch(() => null)) as { inboxPending?: unknown } | null;
          return typeof body?.inboxPending === 'number' ? body.inboxPending : null;
        },
        () => null,
      );
      if (pending !== null) samples.push({ at: performance.now(), pending });
      await delay(everyMs);
    }
  })();
  return {
    mark() {
      lastMark = performance.now();
    },
    async stop() {
      stopped = true;
      await loop;
      const after = lastMark === null ? [] : samples.filter((s) => s.at >= (lastMark ?? 0));
      const drained = after.find((s) => s.pending === 0);
      return {
        peakPending: Math.max(0, ...samples.map((s) => s.pending)),
        pendingAfterLastMark: after[0]?.pending ?? null,
        drainedAfterLastMarkMs: drained === undefined || lastMark === null ? null : Math.round(drained.at - lastMark),
        samples: samples.length,
      };
    },
  };
}
