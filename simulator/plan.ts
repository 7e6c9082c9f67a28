import { type Provider, signedRequest } from '../contracts/provider.js';
import type { WireRequest } from '../contracts/wire.js';
import type { GatewayEvent } from './events.js';
import type { Random } from './random.js';

export const faultKinds = [
  'challenge',
  'duplicate',
  'concurrent',
  'resigned',
  'reordered',
  'forged',
  'replayed',
  'rotated',
  'reformatted',
  'malformed',
  'timed-out',
  'unusable',
] as const;
export type FaultKind = (typeof faultKinds)[number];

/** What was done to a delivery, for the report: `{ kind: 'forged', detail: 'wrong secret' }`. */
export interface FaultTag {
  readonly kind: FaultKind;
  readonly detail: string;
}

/** The bytes of one attempt, signed for the second it leaves. */
export interface SignedAttempt {
  readonly request: WireRequest;
  /**
   * Headers sent exactly as listed, repeats included, instead of `request.headers` (a header sent twice). Names are
   * lower-case.
   */
  readonly rawHeaders?: readonly (readonly [name: string, value: string])[];
  /**
   * For a request that is not a delivery but goes to the same URL (X's CRC challenge `GET ?crc_token=…`): the method
   * and the query appended to the target's path; the body is then not sent.
   */
  readonly get?: { readonly query: Readonly<Record<string, string>> };
}

/** Signs an attempt leaving at `nowSeconds` (unix seconds, the sender's clock). */
export type Signer = (nowSeconds: number) => SignedAttempt;

/**
 * One request the fake gateway will send, and what a correct receiver answers to it. It holds what to send and how to
 * sign it, not signed bytes: the deliverer signs each attempt just before it leaves (`sign`), so a slow receiver or a
 * proxy never makes the next delivery stale. Everything random about it was drawn when the plan was built.
 */
export interface Delivery {
  /** The simulator's own id for this delivery (`dlv_0007`), unique in a run; a retry keeps it (attempt 2, 3…). */
  readonly id: string;
  readonly eventId: string;
  readonly orderId: string;
  /** The event type or what the delivery is ("payment_intent.succeeded"). */
  readonly label: string;
  readonly fault: FaultTag | null;
  readonly expect: Expectation;
  /** How long the gateway waits for this delivery's answer, when not the provider's timeout. */
  readonly timeoutMs?: number;
  /**
   * The attempt's request, signed at `nowSeconds`: every signed timestamp is `nowSeconds` plus the delivery's offset.
   * The same second gives the same bytes, except for copies released together, which share the first copy's signing.
   */
  readonly sign: Signer;
}

/**
 * What a correct receiver answers. `accept`: 2xx. `reject`: non-2xx, and nothing changes. `survive`: anything but a
 * 5xx, a reset or a timeout (malformed input: a 4xx, or a 2xx when a signed but unusable delivery is kept aside).
 * `abandoned`: the gateway stops waiting before the answer (its timeout), so the answer is not judged, only the effect.
 */
export const expectations = ['accept', 'reject', 'survive', 'abandoned'] as const;
export type Expectation = (typeof expectations)[number];

/** Steps run one after another; the deliveries of one step leave together, behind a barrier. */
export type PlanStep = readonly Delivery[];

/** Everything signing needs: the provider, the endpoint secret, seeded randomness and the current time. */
export interface SigningContext {
  readonly provider: Provider;
  readonly secret: string;
  /** The receiver's webhook URL, for schemes that sign it (Square). */
  readonly notificationUrl?: string;
  /** The fake gateway's key, for providers whose gateway marks what it sends (PayPal `verify_sign`, postback). */
  readonly gatewayKey?: string;
  /** Drawn from while the plan is built, never while it is sent, so a seed replays the same plan. */
  readonly random: Random;
  /** Unix seconds now (from the injected clock), for requests a scenario signs itself as it sends them. */
  nowSeconds(): number;
  nextDeliveryId(): string;
}

export function createSigningContext(options: Omit<SigningContext, 'nextDeliveryId'>): SigningContext {
  let count = 0;
  return {
    ...options,
    nextDeliveryId: () => {
      count += 1;
      return `dlv_${String(count).padStart(4, '0')}`;
    },
  };
}

/** What an attempt has of its own: the report's tag, the expected answer, how long the gateway waits. */
export interface AttemptOptions {
  readonly fault?: FaultTag | null;
  readonly expect?: Expectation;
  /** How long the gateway waits for the answer, when not the provider's timeout. */
  readonly timeoutMs?: number;
}

export interface DeliveryOptions extends AttemptOptions {
  /**
   * Seconds added to the send time to make the signed timestamp: negative for a stale replay or a copy signed earlier,
   * positive for one from the future. Default 0: signed as it leaves.
   */
  readonly timestampOffsetSeconds?: number;
  readonly secrets?: readonly string[];
  /** Bytes to send and sign instead of the event's own encoding (a reformatted body, correctly signed). */
  readonly body?: Uint8Array;
  /** Bytes to send under the signature of the body that was signed (a tampered body: the signature no longer fits). */
  readonly unsignedBody?: Uint8Array;
  /**
   * Changes the body after it was signed, the signature left as it is (a field changed under an in-body signature,
   * the signature taken out): what a forger does to bytes a gateway signed.
   */
  readonly afterSigning?: (signedBody: Uint8Array) => Uint8Array;
  /** Reshapes the headers after signing, given the second the attempt is signed at; draws nothing at random. */
  readonly headers?: (headers: Readonly<Record<string, string>>, nowSeconds: number) => Record<string, string>;
}

/** A delivery of an event that `sign` signs when it is sent (also for a fault that builds its own requests). */
export function deliveryWith(
  event: Pick<GatewayEvent, 'eventId' | 'orderId' | 'type'>,
  id: string,
  sign: Signer,
  options: AttemptOptions = {},
): Delivery {
  return {
    id,
    eventId: event.eventId,
    orderId: event.orderId,
    label: event.type,
    fault: options.fault ?? null,
    expect: options.expect ?? 'accept',
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    sign,
  };
}

/** A correctly signed delivery of an event, optionally reshaped by a fault; signed when it is sent. */
export function deliveryOf(ctx: SigningContext, event: GatewayEvent, options: DeliveryOptions = {}): Delivery {
  const id = ctx.nextDeliveryId();
  return deliveryWith(event, id, signerOf(ctx, event, id, options), options);
}

function signerOf(ctx: SigningContext, event: GatewayEvent, deliveryId: string, options: DeliveryOptions): Signer {
  const { provider, notificationUrl, gatewayKey } = ctx;
  const secrets = options.secrets ?? [ctx.secret];
  const body = options.body ?? event.body;
  const offset = options.timestampOffsetSeconds ?? 0;
  return (nowSeconds) => {
    const signed = signedRequest(provider, {
      body,
      eventId: event.eventId,
      deliveryId,
      secrets,
      timestamp: nowSeconds + offset,
      ...(notificationUrl === undefined ? {} : { notificationUrl }),
      ...(gatewayKey === undefined ? {} : { gatewayKey }),
    });
    return {
      request: {
        method: 'POST',
        headers: options.headers ? options.headers(signed.headers, nowSeconds) : signed.headers,
        body: options.unsignedBody ?? (options.afterSigning ? options.afterSigning(signed.body) : signed.body),
      },
    };
  };
}

/**
 * The gateway's next attempt of a delivery: the same delivery id (the history counts it as attempt 2, 3…), signed
 * anew when it leaves, as a gateway signs each attempt (a fresh timestamp; a delivery-id header such as Shopify's
 * `X-Shopify-Webhook-Id` stays). Its fault tag, expected answer and timeout are its own, not the first attempt's.
 */
export function retryOf(delivery: Delivery, options: AttemptOptions = {}): Delivery {
  const { eventId, orderId, label } = delivery;
  return deliveryWith(
    { eventId, orderId, type: label },
    delivery.id,
    signsAnew.get(delivery) ?? delivery.sign,
    options,
  );
}

/** The copies' own signer, behind the signing they share: a retry of a copy is signed anew. */
const signsAnew = new WeakMap<Delivery, Signer>();

/**
 * Copies of one delivery, one per tag: each its own delivery id, all sharing one signing, made when the first copy is
 * signed, so they are byte-identical (body and headers) even when they leave microtasks apart across a second's
 * boundary. A copy that leaves more than `freshForSeconds` after that signing is signed anew (copies sent one after
 * another, each after the last answer, never go stale that way); released together behind a barrier, they never do.
 */
export function copiesOf(
  ctx: SigningContext,
  event: GatewayEvent,
  tags: readonly (FaultTag | null)[],
  options: DeliveryOptions = {},
  freshForSeconds = Number.POSITIVE_INFINITY,
): Delivery[] {
  const first = ctx.nextDeliveryId();
  const signer = signerOf(ctx, event, first, options);
  let signed: { readonly at: number; readonly attempt: SignedAttempt } | undefined;
  const once: Signer = (nowSeconds) => {
    if (signed === undefined || nowSeconds - signed.at > freshForSeconds) {
      signed = { at: nowSeconds, attempt: signer(nowSeconds) };
    }
    return signed.attempt;
  };
  return tags.map((fault, i) => {
    const copy = deliveryWith(event, i === 0 ? first : ctx.nextDeliveryId(), once, { ...options, fault });
    signsAnew.set(copy, signer);
    return copy;
  });
}

/** Each event once, in the order given, one step each. */
export function inSequence(ctx: SigningContext, events: readonly GatewayEvent[]): PlanStep[] {
  return events.map((event) => [deliveryOf(ctx, event)]);
}
