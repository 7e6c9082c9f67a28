import type { FastifyBaseLogger } from 'fastify';
import { type Clock, unixSeconds } from '../contracts/clock.js';
import { type EventList, eventListFor, listsEvents, liveApiOrigins } from './event-lists.js';
import { gatewayUrlFor } from './gateway-urls.js';
import type { ResolvedReceiverOptions } from './options.js';
import { type ReconcileReport, type Reconciler, reconcile } from './reconcile.js';
import type { ConfiguredProvider } from './secrets.js';
import type { ReceiverStorage } from './storage/storage.js';

/** The receiver's reconciliation: one pass over every reconciled provider, never two passes at once. */
export interface Reconciliation {
  /** The providers reconciled (empty: none has a list and an API key, and a pass does nothing). */
  readonly providers: readonly string[];
  /**
   * One pass over every reconciled provider, or only `provider` (none when it is not reconciled); rejects with
   * `ListUnavailable` when a gateway's list could not be read (nothing of it was kept).
   */
  run(provider?: string): Promise<ReconcileReport[]>;
  /** Starts the schedule (`reconcile.everyMs`), if there is one. */
  start(): void;
  stop(): Promise<void>;
}

export interface ReconciliationDeps {
  readonly options: ResolvedReceiverOptions;
  readonly configured: readonly ConfiguredProvider[];
  readonly storage: ReceiverStorage;
  readonly clock: Clock;
  readonly log: FastifyBaseLogger;
  /** Called after a pass stored events, so the worker applies them soon. */
  readonly onStored: () => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Marks an inbox row stored by the reconciler, not by a webhook delivery (its headers are otherwise empty). */
export const RECONCILED_HEADER = 'x-ipn-gauntlet-reconciled';

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createReconciliation(deps: ReconciliationDeps): Reconciliation {
  const settings = deps.options.reconcile;
  const strategy: Reconciler = settings?.strategy ?? reconcile;
  const lists: { provider: string; list: EventList }[] = [];
  for (const { provider } of deps.configured) {
    if (!listsEvents(provider.id)) continue;
    const apiKey = settings?.apiKeys[provider.id];
    if (apiKey === undefined) continue;
    const gatewayUrl = settings?.gatewayUrl ?? gatewayUrlFor(provider.id, deps.options) ?? liveApiOrigins[provider.id];
    lists.push({ provider: provider.id, list: eventListFor(provider.id, { gatewayUrl, apiKey, clock: deps.clock }) });
  }
  const sleep = deps.sleep ?? realSleep;
  // One pass at a time per selection: a call while one runs shares it.
  const running = new Map<string, Promise<ReconcileReport[]>>();
  let timer: NodeJS.Timeout | null = null;

  async function pass(only: string | undefined): Promise<ReconcileReport[]> {
    const reports: ReconcileReport[] = [];
    for (const { provider, list } of lists) {
      if (only !== undefined && provider !== only) continue;
      const report = await strategy({
        provider,
        list: (request) => list.list(request),
        cursor: () => deps.storage.reconcileCursor(provider),
        saveCursor: (cursor) => deps.storage.saveReconcileCursor(provider, cursor, deps.clock()),
        store: async (event) => {
          const result = await deps.storage.recordDelivery({
            provider,
            eventId: event.id,
            body: event.body,
            headers: { [RECONCILED_HEADER]: 'event-list' },
            receivedAtMs: deps.clock(),
          });
          if (!result.duplicate) deps.onStored();
          return result;
        },
        windowSeconds: list.windowSeconds,
        nowSeconds: () => unixSeconds(deps.clock),
        sleep,
      });
      if (report.gapSinceSeconds !== null) {
        deps.log.warn(
          { provider, since: report.gapSinceSeconds },
          'the last reconcile pass is older than the gateway keeps events listed: events in between may be lost',
        );
      }
      deps.log.info({ ...report }, 'reconciled from the gateway event list');
      reports.push(report);
    }
    return reports;
  }

  const run = (provider?: string) => {
    const key = provider ?? '*';
    let current = running.get(key);
    if (current === undefined) {
      current = pass(provider).finally(() => running.delete(key));
      running.set(key, current);
    }
    return current;
  };

  return {
    providers: lists.map((l) => l.provider),
    run,
    start() {
      const everyMs = settings?.everyMs;
      if (everyMs === undefined || lists.length === 0 || timer !== null) return;
      timer = setInterval(() => {
        run().catch((error: unknown) => deps.log.warn({ err: error }, 'reconcile pass failed; the next one retries'));
      }, everyMs);
      timer.unref();
    },
    async stop() {
      if (timer !== null) clearInterval(timer);
      timer = null;
      await Promise.all([...running.values()].map((pass) => pass.catch(() => undefined)));
    },
  };
}
