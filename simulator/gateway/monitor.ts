import type { GatewayAnswer, GatewayRequest } from './endpoint.js';

/** One request a receiver made to the fake gateway's API, as answered: the evidence of who fetched what, and when. */
export interface GatewayCall {
  readonly atMs: number;
  /** The endpoint's name (`stripe event list`). */
  readonly endpoint: string;
  readonly method: string;
  /** The endpoint's path and the request's query (`/v1/events?limit=100&starting_after=evt_…`). */
  readonly path: string;
  readonly status: number;
  /** The ids of the objects a list answer carried (empty for any other answer). */
  readonly listed: readonly string[];
}

/** An outage of one endpoint the run scripts: the next `times` requests `matching` are answered `status`. */
export interface GatewayOutage {
  readonly endpoint: string;
  readonly matching: (request: GatewayRequest) => boolean;
  readonly status: number;
  readonly times: number;
}

const MAX_CALLS = 10_000;

/**
 * What a run watches and scripts on its fake gateway's API: every call a receiver made (bounded: the newest
 * `MAX_CALLS`), and outages it plays (a list page that fails once, as a real gateway's API sometimes does). One per
 * run, shared by the HTTP server and the msw handlers through the gateway's context.
 */
export class GatewayMonitor {
  readonly #calls: GatewayCall[] = [];
  readonly #outages: { outage: GatewayOutage; left: number }[] = [];

  /** Every call so far, oldest first. */
  calls(): readonly GatewayCall[] {
    return this.#calls;
  }

  /** Plays an outage: the next `times` matching requests to `endpoint` get `status` (Stripe's 503 shape). */
  fail(outage: GatewayOutage): void {
    this.#outages.push({ outage, left: outage.times });
  }

  /** The scripted answer for this request, if an outage covers it (counted as used). */
  outageFor(endpoint: string, request: GatewayRequest): GatewayAnswer | null {
    const active = this.#outages.find(
      (entry) => entry.left > 0 && entry.outage.endpoint === endpoint && entry.outage.matching(request),
    );
    if (active === undefined) return null;
    active.left -= 1;
    return {
      status: active.outage.status,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        error: { message: 'The gateway is temporarily unavailable (an outage the gauntlet plays).', type: 'api_error' },
      }),
    };
  }

  record(call: GatewayCall): void {
    this.#calls.push(call);
    if (this.#calls.length > MAX_CALLS) this.#calls.splice(0, this.#calls.length - MAX_CALLS);
  }
}
