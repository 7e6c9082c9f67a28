import { type Provider, signedRequest } from '../contracts/provider.js';
import type { WireRequest } from '../contracts/wire.js';
import type { GatewayEvent } from './events.js';
import type { Random } from './random.js';

export const faultKinds = [
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
] as const;
export type FaultKind = (typeof faultKinds)[number];

/** What was done to a delivery, for the report: `{ kind: 'forged', detail: 'wrong secret' }`. */
export interface FaultTag {
  readonly kind: FaultKind;
  readonly detail: string;
}

/** One request the fake gateway will send, and what a correct receiver answers to it. */
export interface Delivery {
  /** The simulator's own id for this delivery (`dlv_0007`), unique in a run. */
  readonly id: string;
  readonly eventId: string;
  readonly orderId: string;
  /** The event type or what the delivery is ("payment_intent.succeeded"). */
  readonly label: string;
  readonly fault: FaultTag | null;
  readonly expect: Expectation;
  readonly request: WireRequest;
  /**
   * Headers sent exactly as listed, repeats included, instead of `request.headers` (a header sent twice). Names are
   * lower-case.
   */
  readonly rawHeaders?: readonly (readonly [name: string, value: string])[];
  /** How long the gateway waits for this delivery's answer, when not the provider's timeout. */
  readonly timeoutMs?: number;
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
  readonly random: Random;
  /** Unix seconds now (from the injected clock). */
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

export interface DeliveryOptions {
  readonly timestamp?: number;
  readonly secrets?: readonly string[];
  readonly fault?: FaultTag | null;
  readonly expect?: Expectation;
  /** Bytes to send and sign instead of the event's own encoding (a reformatted body, correctly signed). */
  readonly body?: Uint8Array;
  /** Bytes to send under the signature of the body that was signed (a tampered body: the signature no longer fits). */
  readonly unsignedBody?: Uint8Array;
  /**
   * Changes the body after it was signed, the signature left as it is (a field changed under an in-body signature,
   * the signature taken out): what a forger does to bytes a gateway signed.
   */
  readonly afterSigning?: (signedBody: Uint8Array) => Uint8Array;
  /** How long the gateway waits for the answer, when not the provider's timeout. */
  readonly timeoutMs?: number;
  /** Reshapes the headers after signing. */
  readonly headers?: (headers: Readonly<Record<string, string>>) => Record<string, string>;
}

/** A correctly signed delivery of an event, optionally reshaped by a fault. */
export function deliveryOf(ctx: SigningContext, event: GatewayEvent, options: DeliveryOptions = {}): Delivery {
  const id = ctx.nextDeliveryId();
  const signed = signedRequest(ctx.provider, {
    body: options.body ?? event.body,
    eventId: event.eventId,
    deliveryId: id,
    secrets: options.secrets ?? [ctx.secret],
    timestamp: options.timestamp ?? ctx.nowSeconds(),
    ...(ctx.notificationUrl === undefined ? {} : { notificationUrl: ctx.notificationUrl }),
    ...(ctx.gatewayKey === undefined ? {} : { gatewayKey: ctx.gatewayKey }),
  });
  const headers = options.headers ? options.headers(signed.headers) : signed.headers;
  return {
    id,
    eventId: event.eventId,
    orderId: event.orderId,
    label: event.type,
    fault: options.fault ?? null,
    expect: options.expect ?? 'accept',
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    request: {
      method: 'POST',
      headers,
      body: options.unsignedBody ?? (options.afterSigning ? options.afterSigning(signed.body) : signed.body),
    },
  };
}

/** Each event once, in the order given, one step each. */
export function inSequence(ctx: SigningContext, events: readonly GatewayEvent[]): PlanStep[] {
  return events.map((event) => [deliveryOf(ctx, event)]);
}
