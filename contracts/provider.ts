import type { z } from 'zod';
import type { FactKind, LifecycleFact, PaymentFactKind } from './lifecycle.js';
import type { VerifyResult } from './verification.js';
import type { HeaderMap, WireRequest } from './wire.js';

/**
 * A provider-neutral step of a payment's life, as the simulator's world produces it. Each provider turns it into its
 * own event (`buildEvent`), then into exact wire bytes (`encode`) and signature headers (`sign`).
 */
export interface PaymentStep {
  readonly kind: PaymentFactKind;
  /** Unique within a run; the provider formats its event id from it (`evt_…`, `msg_…`). */
  readonly eventKey: string;
  readonly orderId: string;
  /** Stable for one payment of an order; the provider formats its payment object ids from it. */
  readonly paymentKey: string;
  readonly amountMinor: number;
  /** ISO 4217, upper case. */
  readonly currency: string;
  /** The gateway's event time, unix seconds. */
  readonly createdAt: number;
  readonly refund?: { readonly key: string; readonly amountMinor: number; readonly cumulativeMinor: number };
  /**
   * The merchant account paid, for providers whose events name it and whose receivers check it (PayPal
   * `receiver_email`, which is also the secret a PayPal receiver is configured with). Absent: the provider's default.
   */
  readonly payee?: string;
}

/**
 * A provider-neutral step of a subscription's life (a plan bought through checkout, renewed by invoices): its status as
 * the gateway reports it, or an invoice paid or failed. Only an event family (`Provider.families`) builds events for
 * it; see contracts/subscription-rule.ts for what a correct receiver makes of them.
 */
export interface SubscriptionStep {
  readonly kind: 'subscription_status' | 'invoice_paid' | 'invoice_failed';
  readonly eventKey: string;
  readonly orderId: string;
  /** Stable for one subscription; the provider formats its subscription (and customer) ids from it. */
  readonly subscriptionKey: string;
  /** For `subscription_status`: the status reported, and whether the event is the subscription's first (created). */
  readonly status?: 'incomplete' | 'trialing' | 'active' | 'past_due' | 'unpaid' | 'canceled';
  readonly first?: boolean;
  /** For invoices: the invoice's key; its amount is `amountMinor`. */
  readonly invoiceKey?: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly createdAt: number;
  readonly payee?: string;
}

/** Any step of the world's lifecycles. */
export type LifecycleStep = PaymentStep | SubscriptionStep;

export function isPaymentStep(step: LifecycleStep): step is PaymentStep {
  return !('subscriptionKey' in step);
}

/** One built event of a step (a family may build several for one step: Stripe's `invoice.paid` and `invoice.payment_succeeded`). */
export interface BuiltEvent<Event = unknown> {
  readonly event: Event;
  readonly eventId: string;
}

/**
 * A family of event types a gateway sends for the same facts (Stripe: PaymentIntents, Checkout Sessions, subscriptions
 * and invoices, disputes): receivers handle one family or another, and a receiver profile names which.
 */
export interface EventFamily<Event = unknown> {
  readonly title: string;
  /** The fact kinds this family's events express. */
  readonly factKinds: readonly FactKind[];
  /**
   * The family's events for a step (in the order the gateway sends them), or null when it has none for it. `earlier`
   * are the order's steps before this one (a Checkout Session completes `unpaid` and later succeeds asynchronously
   * after a pending step, or completes `paid` at once).
   */
  buildEvents(step: LifecycleStep, earlier: readonly LifecycleStep[]): readonly BuiltEvent<Event>[] | null;
}

export interface SignInput {
  readonly body: Uint8Array;
  /** The gateway's id for this delivery attempt, for providers that send one apart from the event id. */
  readonly deliveryId?: string;
  /** The URL the delivery is sent to, for schemes that sign it (Square). */
  readonly notificationUrl?: string;
  /** Every secret to sign with, in header order: one normally, two while a secret is rotated. */
  readonly secrets: readonly string[];
  /** Unix seconds put into the signed content (ignored by schemes without a timestamp). */
  readonly timestamp: number;
  readonly eventId: string;
  /**
   * The fake gateway's key, for providers whose gateway marks the bytes it sends so its postback server recognises
   * them (PayPal `verify_sign`); see `Postback.seal`.
   */
  readonly gatewayKey?: string;
}

/**
 * How a receiver asks the gateway whether it sent a delivery, for providers without a signature (PayPal classic IPN):
 * POST the exact bytes back, read the one-word answer. The fake gateway's server (`simulator/gateway/`) serves it.
 */
export interface Postback {
  /** Path on the gateway's base URL: PayPal `/cgi-bin/webscr` (live `https://ipnpb.paypal.com`). */
  readonly path: string;
  /** Content type of the postback request. */
  readonly contentType: string;
  /** The postback body for a delivery's exact bytes (PayPal: `cmd=_notify-validate&` + the original bytes). */
  request(original: Uint8Array): Uint8Array;
  /** The gateway's side of `request`: the original bytes in a postback body, or null when it is not a postback. */
  original(request: Uint8Array): Uint8Array | null;
  /** The answer that means the gateway sent exactly these bytes (`VERIFIED`). */
  readonly verified: string;
  /** The answer to anything else (`INVALID`). */
  readonly invalid: string;
  /**
   * The gateway's mark on the bytes it sends, made with its key (PayPal's opaque `verify_sign`): what lets a stateless
   * gateway server recognise its own messages byte for byte.
   */
  seal(body: Uint8Array, gatewayKey: string): Uint8Array;
  /** Whether these exact bytes carry the gateway's mark for this key. */
  sealed(body: Uint8Array, gatewayKey: string): boolean;
}

/**
 * How a receiver learns what a delivery means, for providers whose delivery carries only an object id (Mollie's classic
 * webhook `id=tr_…`): GET the object from the gateway's API with the receiver's secret (an API key) and act on what it
 * answers, never on the delivery's own fields. The fake gateway's server (`simulator/gateway/`) serves `path`.
 */
export interface FetchApi {
  /** The object id a delivery names (Mollie: its `id` form field), or null when it names none. */
  idOf(body: Uint8Array): string | null;
  /** The object's path on the gateway's base URL (Mollie: `/v2/payments/{id}`, live `https://api.mollie.com`). */
  path(id: string): string;
  /** The route pattern the gateway serves (fastify syntax, `/v2/payments/:id`). */
  readonly route: string;
  /** The request headers of the fetch, given the receiver's secret (Mollie: `authorization: Bearer <API key>`). */
  headers(secret: string): Record<string, string>;
  /** The gateway's side: whether a request's `authorization` header carries a usable key. */
  authorizes(authorization: string | undefined): boolean;
  /** The gateway's side: the object's JSON bytes for an id the gateway issued, or null for any other id (404). */
  lookup(id: string): Uint8Array | null;
  /**
   * The gateway's error body (Mollie: `application/hal+json` `{status, title, detail, field?, _links}`), `field` naming
   * the query parameter a 400 is about.
   */
  error(
    status: 400 | 401 | 404,
    detail: string,
    field?: string,
  ): { readonly contentType: string; readonly body: string };
}

export interface VerifyInput {
  readonly body: Uint8Array;
  /** The URL the receiver is configured with, for schemes that sign it (Square). */
  readonly notificationUrl?: string;
  readonly headers: HeaderMap;
  readonly secret: string;
  readonly nowSeconds: number;
  /**
   * For schemes verified with a certificate the delivery points at (PayPal REST `PAYPAL-CERT-URL`): its PEM, as the
   * receiver fetched it from an allowed host (receiver/paypal-certificates.ts). Absent: such a scheme rejects.
   */
  readonly certificate?: string;
}

/** A way to damage a correctly signed request's headers, named for the report ("non-hex signature"). */
export type HeaderForgery = (headers: Readonly<Record<string, string>>) => Record<string, string>;

/** The seeded choices a reformat may make (the simulator's `Random` fits). */
export interface ReformatRandom {
  /** Integer in [min, max]. */
  int(min: number, max: number): number;
  shuffle<T>(items: readonly T[]): T[];
}

/**
 * A way to send a genuine event in another shape that means the same (`compat.reformat`). The simulator signs the new
 * body, so a receiver that verifies the raw bytes it received accepts it.
 */
export interface Reformat {
  /**
   * What stays equal once decoded (`decodeBody`: `JSON.parse`, or the provider's `decode`): the decoded body itself
   * (`json`; also a form's `+` vs `%20`; header-only reformats keep the bytes), the decoded body but for fields a
   * receiver does not know (added at any level), or only the lifecycle fact (`toFact` gives the same fact: another API
   * version, another charset of a form body). See docs/decisions/0008-reformats.md.
   */
  readonly keeps: 'json' | 'json-plus-fields' | 'fact';
  /**
   * False when this body cannot take the shape (a UTF-8 IPN whose text windows-1252 has no character for): `body` then
   * returns it as it is. Without it every body can.
   */
  canReshape?(body: Uint8Array): boolean;
  /** The body in its new shape; without it the body is sent as encoded. The simulator signs what this returns. */
  body?(body: Uint8Array, random: ReformatRandom): Uint8Array;
  /** The headers in their new shape, after signing; without it they are sent as signed. */
  headers?(headers: Readonly<Record<string, string>>, random: ReformatRandom): Record<string, string>;
}

export interface Provider<Event = unknown> {
  readonly id: string;
  readonly title: string;
  /** The reference receiver's route: `/webhooks/{route}`. */
  readonly route: string;
  /**
   * How a receiver knows a delivery is genuine: `signature` (verify offline), `postback` (ask the gateway, PayPal IPN),
   * `fetch` (the delivery carries only an id; fetch the object from the gateway, Mollie).
   */
  readonly authentication: 'signature' | 'postback' | 'fetch';
  /** The lifecycle fact kinds this provider's events can express (the world builds only lifecycles made of these). */
  readonly factKinds: readonly PaymentFactKind[];
  /** Whether one header can carry several signatures, so a secret can be rotated (`compat.rotation`). */
  readonly multipleSignatures: boolean;
  /**
   * Whether the signature covers the URL the endpoint is registered under (Square): a receiver must be configured with
   * that URL (`VerifyInput.notificationUrl`), as it cannot learn it from the request behind a proxy.
   */
  readonly signsNotificationUrl?: boolean;
  /** The environment variable the reference receiver reads this provider's secret from. */
  readonly secretEnv: string;
  /** Where an event carries the merchant's order id (for the README and error messages). */
  readonly orderIdField: string;
  /**
   * An event type of this gateway that no payment or subscription receiver handles (Stripe's `customer.created`), and
   * the dotted path of the type in a JSON body: compat.unhandled-events sends genuine events under it, which must be
   * acknowledged and change nothing.
   */
  readonly unhandledEventType?: { readonly path: string; readonly value: string };
  /** What a receiver deduplicates on. */
  readonly eventIdSource: string;
  /** Replay tolerance of the official library, seconds; `future: null` = any future time accepted; null = no timestamp. */
  readonly tolerance: { readonly past: number; readonly future: number | null } | null;
  /** How long the gateway waits for an answer before it counts the attempt as failed. */
  readonly timeoutMs: number;
  /** Seconds between attempts after a failure, as the gateway retries. */
  readonly retryScheduleSeconds: readonly number[];
  readonly secret: {
    /** A human description of the format, for error messages. */
    readonly format: string;
    /** A reason the secret is unusable, or null when it is fine. */
    problem(secret: string): string | null;
    /** A fresh secret in the provider's format from random bytes. */
    generate(randomBytes: Uint8Array): string;
  };
  /** Any event of this provider (unknown types included): what a receiver validates before it stores. */
  readonly envelopeSchema: z.ZodType<{ readonly [key: string]: unknown }>;
  /** The events this project models; `toFact` takes these. */
  readonly eventSchema: z.ZodType<Event>;
  /** Headers every delivery carries besides the signature (content type, user agent). */
  readonly baseHeaders: Readonly<Record<string, string>>;
  /** Names of the headers that carry the signature (removed by the "unsigned" forgery). */
  readonly signatureHeaders: readonly string[];
  /** Provider-specific ways to malform a signature header. */
  readonly malformations: Readonly<Record<string, HeaderForgery>>;
  /** Changes what a body says, keeping its look, so its signature no longer fits (default: a JSON amount changed). */
  tamper?(body: Uint8Array): Uint8Array;
  /**
   * Reads a verified body into what `envelopeSchema` and `eventSchema` parse (PayPal: a form in the charset its
   * `charset` field names); may throw. Default UTF-8 JSON. Always called through `decodeBody` (contracts/decode.ts).
   */
  decode?(body: Uint8Array, headers: HeaderMap): unknown;
  /** For `authentication: 'postback'`: how a receiver asks the gateway (PayPal's `/cgi-bin/webscr`). */
  readonly postback?: Postback;
  /** For `authentication: 'fetch'`: how a receiver fetches what a delivery names (Mollie's `/v2/payments/:id`). */
  readonly fetch?: FetchApi;
  /**
   * For schemes verified with a certificate the delivery points at (PayPal REST: `paypal-cert-url`): the header naming
   * its URL. A receiver fetches it only from an allowed host (receiver/paypal-certificates.ts) and passes it to `verify`
   * as `certificate`; the fake gateway serves it, so a receiver of such a provider needs the gateway's URL in tests.
   */
  readonly certificateUrlHeader?: string;
  /**
   * For providers whose secret is the merchant's account (PayPal `receiver_email`): the account a validated envelope
   * pays. A receiver applies only events whose payee is its own.
   */
  payeeOf?(envelope: { readonly [key: string]: unknown }): string | null;
  /** The same body paid to another merchant account (PayPal `receiver_email` and `business` changed). */
  payTo?(body: Uint8Array, account: string): Uint8Array;
  /**
   * Provider-specific reformats (`compat.reformat`), by name, besides the generic ones the simulator applies to every
   * provider (header-name case) and to JSON bodies (key order, whitespace, escapes, added fields, content-type
   * parameters): e.g. another API version, another charset.
   */
  readonly reformats?: Readonly<Record<string, Reformat>>;
  /**
   * For schemes that sign inside the body (Adyen `additionalData.hmacSignature`): the body with its signature put in,
   * made with the last of `input.secrets`. `signedRequest` calls it before `sign`; bodies it cannot read come back as
   * they are.
   */
  signBody?(input: SignInput): Uint8Array;
  /**
   * Forgeries of a body signed with `signBody`, by name (the signature removed, a field changed under it, the key
   * misused): each changes the signed body, given the endpoint secret. Header schemes forge their headers instead.
   */
  readonly bodyForgeries?: Readonly<Record<string, (signedBody: Uint8Array, secret: string) => Uint8Array>>;
  /**
   * What the reference receiver answers to an accepted delivery, when the gateway expects a particular body (Adyen:
   * `[accepted]`); default a small JSON object.
   */
  readonly acknowledgement?: { readonly contentType: string; readonly body: string };
  /**
   * For gateways that challenge the endpoint (X's CRC): `GET /webhooks/{route}?{query}=<token>` answered 200 with the
   * JSON `respond` gives. The answer is an HMAC under the delivery secret, so a receiver must answer only tokens the
   * gateway could have sent (`tokenProblem`), or its challenge endpoint signs any body an attacker sends it.
   */
  readonly challenge?: {
    readonly query: string;
    respond(token: string, secret: string): { readonly [key: string]: string };
    /** Why a receiver must refuse to answer this token (not a short opaque token), or null to answer it. */
    tokenProblem(token: string): string | null;
  };
  /**
   * A delivery that carries several events (Adyen's batch of notification items): one body per event, each as the
   * gateway would send it alone, after the whole delivery verified. Null or absent: the delivery is one event.
   */
  split?(body: Uint8Array): Uint8Array[] | null;
  buildEvent(step: PaymentStep): { readonly event: Event; readonly eventId: string };
  /**
   * Other families of event types for the same or further facts (checkout sessions, subscriptions and invoices,
   * disputes…), by id; `buildEvent` is the family `defaultFamily` names. `toFact` reads every family's events.
   */
  readonly families?: Readonly<Record<string, EventFamily<Event>>>;
  /** The id of the family `buildEvent` builds (Stripe: `payment_intent`); default `payments`. */
  readonly defaultFamily?: string;
  /** The exact bytes the gateway sends for an event. */
  encode(event: Event): Uint8Array;
  sign(input: SignInput): Record<string, string>;
  verify(input: VerifyInput): VerifyResult;
  /** The event identity a receiver deduplicates on, from a validated envelope and the headers; null when absent. */
  eventId(envelope: { readonly [key: string]: unknown }, headers: HeaderMap): string | null;
  /** The lifecycle fact an event stands for; null for events that do not move an order. */
  toFact(event: Event, eventId: string): LifecycleFact | null;
}

/** Identity helper that keeps a provider's event type inferred. Every provider, built-in or a user's, is defined with it. */
export function defineProvider<Event>(provider: Provider<Event>): Provider<Event> {
  return provider;
}

/** A complete signed request for an event, ready to deliver. */
export function signedRequest<Event>(provider: Provider<Event>, input: SignInput): WireRequest {
  // A postback provider's gateway marks the bytes it sends (PayPal `verify_sign`) before they leave.
  const sealed =
    provider.postback !== undefined && input.gatewayKey !== undefined
      ? provider.postback.seal(input.body, input.gatewayKey)
      : input.body;
  // A scheme that signs inside the body (Adyen) puts its signature in before the headers are made.
  const body = provider.signBody ? provider.signBody({ ...input, body: sealed }) : sealed;
  // The input as it is when nothing changed its body: no copy of it on the load generator's path.
  const signed = provider.sign(body === input.body ? input : { ...input, body });
  return { method: 'POST', headers: { ...provider.baseHeaders, ...signed }, body };
}
