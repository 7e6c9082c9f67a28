/** Where a provider's route module keeps what it answers from, keyed by kind (`stripe.event`) and id (`evt_…`). */
export interface LedgerStore {
  put(kind: string, id: string, value: unknown): void;
  get(kind: string, id: string): unknown;
  /** Every value of a kind, in the order first put (a list API pages through them). */
  list(kind: string): unknown[];
}

/** Reads one body the gateway sent for a provider and stores what its API answers with (may ignore the body). */
export type LedgerRecorder = (body: Uint8Array, store: LedgerStore) => void;

const DEFAULT_MAX_ENTRIES = 100_000;

/**
 * What the gateway has sent in this process, for the APIs that answer with it (Stripe's `GET /v1/events/:id`): the
 * run records every event it builds, a unit test records the requests it signs. Bounded: past `maxEntries` the oldest
 * entries are forgotten (and answered as missing). See docs/decisions/0017-gateway-apis.md.
 */
export class GatewayLedger {
  readonly #recorders: Readonly<Record<string, LedgerRecorder>>;
  readonly #entries = new Map<string, unknown>();
  readonly #maxEntries: number;
  readonly #store: LedgerStore = {
    put: (kind, id, value) => {
      const key = `${kind}/${id}`;
      this.#entries.delete(key);
      this.#entries.set(key, value);
      while (this.#entries.size > this.#maxEntries) {
        const oldest = this.#entries.keys().next();
        if (oldest.done === true) break;
        this.#entries.delete(oldest.value);
      }
    },
    get: (kind, id) => this.#entries.get(`${kind}/${id}`),
    list: (kind) => {
      const prefix = `${kind}/`;
      return [...this.#entries].filter(([key]) => key.startsWith(prefix)).map(([, value]) => value);
    },
  };

  constructor(recorders: Readonly<Record<string, LedgerRecorder>>, options: { readonly maxEntries?: number } = {}) {
    this.#recorders = recorders;
    this.#maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_MAX_ENTRIES);
  }

  /**
   * Records a body the gateway sent (the exact bytes, or a `signedPayment(...)` request's body) for a provider's APIs.
   * False when no API of this provider answers from it (nothing kept) or the body is not one the provider sends.
   */
  record(provider: string | { readonly id: string }, body: Uint8Array | string): boolean {
    const recorder = this.#recorders[typeof provider === 'string' ? provider : provider.id];
    if (recorder === undefined) return false;
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    let recorded = false;
    recorder(bytes, {
      put: (kind, id, value) => {
        recorded = true;
        this.#store.put(kind, id, value);
      },
      get: this.#store.get,
      list: this.#store.list,
    });
    return recorded;
  }

  /** Whether any API of this provider answers from recorded bodies (else `record` keeps nothing). */
  keeps(provider: string | { readonly id: string }): boolean {
    return this.#recorders[typeof provider === 'string' ? provider : provider.id] !== undefined;
  }

  /** The store route modules answer from. */
  get store(): LedgerStore {
    return this.#store;
  }
}
