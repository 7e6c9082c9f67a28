import type { Clock } from '../contracts/clock.js';
import { IpnError } from '../contracts/errors.js';
import { formatMinor } from '../contracts/money.js';
import type { Provider } from '../contracts/provider.js';
import { createHttpDeliverer } from '../simulator/delivery/http.js';
import { eventsOf } from '../simulator/events.js';
import type { Attempt, DeliveryHistory } from '../simulator/history.js';
import { deliveryOf, type SigningContext } from '../simulator/plan.js';
import type { World } from '../simulator/world.js';
import { genuineLifecycle } from './catalog/helpers.js';
import { fieldDifferences } from './compare.js';
import { ruleView } from './judge/state.js';
import type { ProbeClient } from './probe-client.js';
import type { RecordedOrder } from './record/run-record.js';
import { type SettleContext, settledSnapshot } from './settle.js';

/** How long the canary waits for an answer: longer than any gateway does, to tell a slow receiver from a deaf one. */
export const CANARY_DEADLINE_MS = 60_000;

export interface CanaryOutcome {
  readonly attempt: Attempt;
  /** Answered, but later than the gateway waits: every delivery of the run would time out. */
  readonly slow: boolean;
}

/**
 * Before any scenario: one genuine event (the success of a payment) on a fresh order. A receiver that refuses it, has
 * no route for it, or never answers cannot be judged on anything, so the run stops here with exit 2, the receiver's
 * own answer and the likely fixes. Accepted but the order never changes: the probe does not see what the webhook did.
 */
export async function runCanary(options: {
  readonly provider: Provider;
  readonly world: World;
  readonly signing: SigningContext;
  readonly probe: ProbeClient;
  readonly target: string;
  readonly clock: Clock;
  readonly settle: SettleContext;
  readonly history: DeliveryHistory;
  /** The currency of the canary's order (the receiver's first, by its profile). */
  readonly currency?: string;
}): Promise<CanaryOutcome> {
  const { provider, probe } = options;
  const lifecycle = genuineLifecycle(provider);
  const order = options.world.order(lifecycle, { currency: options.currency ?? 'USD' });
  const terms = { ...recorded(order), lifecycle };
  // The event that alone takes the order where its whole lifecycle ends (a payment's success, not its processing; a
  // subscription's activation), else the first that moves it at all.
  const events = eventsOf(provider, order);
  const start = ruleView(terms, []).status;
  const end = ruleView(
    terms,
    events.map((e) => e.fact),
  ).status;
  const moves = (e: (typeof events)[number]) => ruleView(terms, [e.fact]).status !== start;
  const event =
    events.find((e) => end !== start && ruleView(terms, [e.fact]).status === end) ?? events.find((e) => moves(e));
  if (event === undefined) throw new Error(`${provider.id} has no event that moves a ${lifecycle} order`);
  await probe.putOrder(order.orderId, {
    amount: formatMinor(order.amountMinor, order.currency),
    currency: order.currency,
  });
  const initial = await probe.getOrder(order.orderId);
  const deliverer = createHttpDeliverer({
    target: options.target,
    timeoutMs: Math.max(CANARY_DEADLINE_MS, provider.timeoutMs),
    connections: 1,
    clock: options.clock,
    history: options.history,
  });
  let attempt: Attempt | undefined;
  try {
    [attempt] = await deliverer.deliverStep([deliveryOf(options.signing, event, { fault: null })]);
  } finally {
    await deliverer.close();
  }
  if (attempt === undefined) throw new Error('the canary delivery was not attempted');
  const said = attempt.detail === '' ? '(an empty body)' : attempt.detail;
  if (attempt.statusCode === null) {
    throw new IpnError(
      'IPN_ERR_PREFLIGHT_REFUSED',
      `a genuine ${event.type} to ${options.target} got no answer within ${Math.round(Math.max(CANARY_DEADLINE_MS, provider.timeoutMs) / 1000)} s: ${said}.`,
      { hint: 'Check the receiver is up and the --target URL; a receiver must answer within the gateway’s timeout.' },
    );
  }
  if (attempt.outcome !== 'ok') {
    throw new IpnError(
      'IPN_ERR_PREFLIGHT_REFUSED',
      `a genuine ${event.type} (order ${order.orderId}) to ${options.target} was answered ${attempt.statusCode}: ${said}`,
      { hint: refusalHints(provider, attempt.statusCode, attempt.detail) },
    );
  }
  const expected = ruleView(terms, [event.fact]);
  const snapshot = await settledSnapshot(
    probe,
    [order.orderId],
    (seen) => fieldDifferences(seen.get(order.orderId) ?? null, expected).length === 0,
    options.settle,
  );
  const seen = snapshot.orders[order.orderId];
  const unchanged = seen === undefined || seen === null || JSON.stringify(seen) === JSON.stringify(initial);
  if (unchanged) {
    throw new IpnError(
      'IPN_ERR_PREFLIGHT_NOT_APPLIED',
      `a genuine ${event.type} for order ${order.orderId} was answered ${attempt.statusCode}, but the probe shows the ` +
        `order ${seen === undefined || seen === null ? 'unknown (404)' : `still ${seen.status}`}${snapshot.detail === null ? '' : ` (${snapshot.detail})`}.`,
      {
        hint:
          `Check that the probe reads the state the webhook writes (the same database), that the receiver finds the ` +
          `order by ${provider.orderIdField}, and that the probe maps the receiver's status words to the contract's.`,
      },
    );
  }
  return { attempt, slow: attempt.answeredAt - attempt.sentAt > provider.timeoutMs };
}

/** The likely fixes for a refused genuine delivery, most likely first, by what the receiver answered. */
function refusalHints(provider: Provider, status: number, body: string): string {
  const hints: string[] = [];
  if (status === 404 || status === 405) {
    hints.push(
      'Nothing serves POST at that path: check the --target route (the reference receiver uses /webhooks/' +
        `${provider.route}).`,
    );
  }
  if (/signature|signed|hmac|verif|secret|unauthori|forbidden/i.test(body) || status === 401 || status === 403) {
    hints.push(
      `Pass the endpoint secret the receiver verifies with (--secret; ${provider.secret.format}), without whitespace.`,
      'Verify the signature over the raw request bytes, before any JSON parsing (a parsed and re-serialized body never matches).',
    );
    if (provider.signsNotificationUrl === true) {
      hints.push(
        'The signature covers the notification URL: pass --notification-url with the URL the receiver verifies against.',
      );
    }
  }
  if (/unsupported|unhandled|unknown event|not handled|event type/i.test(body)) {
    hints.push('Answer 2xx to event types you do not handle (the gateway otherwise retries them for days).');
  }
  if (status === 415)
    hints.push(
      `Accept the gateway's content type (${provider.baseHeaders['content-type'] ?? 'as sent'}) with any parameters.`,
    );
  if (status >= 500) hints.push('The receiver failed on a genuine event: see its log.');
  if (hints.length === 0) {
    hints.push(
      'Check the secret (--secret), that the signature is verified over the raw bytes, and that the route accepts this event type.',
    );
  }
  return hints.join(' ');
}

function recorded(order: { orderId: string; amountMinor: number; currency: string }): Omit<RecordedOrder, 'lifecycle'> {
  return {
    orderId: order.orderId,
    amountMinor: order.amountMinor,
    currency: order.currency,
    twinId: null,
    twinOf: null,
  };
}
