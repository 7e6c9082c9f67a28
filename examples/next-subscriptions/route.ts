/**
 * A Stripe Billing webhook as a Next.js App Router route handler (`app/api/webhooks/stripe/route.ts`): one
 * `POST(request: Request): Promise<Response>` on web-standard Request/Response only, so it runs under Next.js as it is
 * and here under a tiny node:http adapter (serve.ts). The official `stripe` library verifies the raw body bytes.
 *
 * What it models (contracts/subscription-rule.ts): the plan's state is the newest subscription status Stripe reported,
 * by event time (an `updated` that arrives before `created`, or a stale one after `deleted`, never wins over a newer
 * one); each paid invoice is credited once, whether Stripe announces it as `invoice.paid`, `invoice.payment_succeeded`
 * or both; anything else is acknowledged and ignored.
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import Stripe from 'stripe';
import { openStore, type PlanState } from './store.js';

/** Planted bugs, each a mistake real webhook code makes; the gauntlet test proves each one is caught. */
export type RouteBug =
  /** The state is whatever status event arrived last, without comparing event times. */
  | 'updated-before-created'
  /** Each invoice event credits, so `invoice.paid` and `invoice.payment_succeeded` credit the same invoice twice. */
  | 'credits-per-delivery'
  /**
   * Handles `invoice.paid` only (so the two announcements cannot double up) but credits every delivery of it: no event
   * id kept, no key on the credit, so a redelivery credits again.
   */
  | 'credits-per-redelivery'
  /** 400 to event types it does not handle. */
  | 'unhandled-400';

export interface RouteOptions {
  /** The endpoint secret (`whsec_…`) Stripe shows for this endpoint. */
  readonly secret: string;
  readonly dbFile: string;
  readonly bug?: RouteBug;
}

export interface Route {
  readonly POST: (request: Request) => Promise<Response>;
  readonly close: () => void;
}

/** Stripe's subscription statuses in the app's words; `paused` is not modelled (no change). */
const stateOf: Readonly<Record<string, PlanState>> = {
  incomplete: 'signup_pending',
  incomplete_expired: 'ended',
  trialing: 'entitled',
  active: 'entitled',
  past_due: 'dunning',
  unpaid: 'dunning',
  canceled: 'ended',
};
/** A subscription's life in order: ties in event time go to the later state (Stripe's `created` is in seconds). */
const rankOf: Readonly<Record<string, number>> = {
  incomplete: 0,
  trialing: 1,
  active: 2,
  past_due: 3,
  unpaid: 4,
  incomplete_expired: 5,
  canceled: 5,
};

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function metadataOrder(metadata: unknown): string | null {
  if (typeof metadata !== 'object' || metadata === null) return null;
  const value = (metadata as Record<string, unknown>).order_id;
  return typeof value === 'string' && value !== '' ? value : null;
}

export function createRoute(options: RouteOptions): Route {
  const db = openStore(options.dbFile);
  const bug = options.bug;
  const statements = prepare(db);

  /** Records the event; false when its id was seen before (a redelivery: nothing to do). */
  const firstTime = (event: Stripe.Event) =>
    statements.recordEvent.run(event.id, event.type, new Date().toISOString()).changes === 1;

  const applySubscription = db.transaction((event: Stripe.Event, subscription: Stripe.Subscription) => {
    if (!firstTime(event)) return;
    const orderId = metadataOrder(subscription.metadata);
    const state = stateOf[subscription.status];
    if (orderId === null || state === undefined) return;
    const rank = rankOf[subscription.status] ?? 0;
    const change = { state, at: event.created, rank, orderId };
    if (bug === 'updated-before-created') statements.setStateBlindly.run(change);
    else statements.setStateIfNewer.run(change);
  });

  const applyInvoice = db.transaction((event: Stripe.Event, invoice: Stripe.Invoice, paid: boolean) => {
    if (bug === 'credits-per-redelivery') {
      if (event.type === 'invoice.payment_succeeded') return;
    } else if (!firstTime(event)) return;
    const orderId = metadataOrder(invoice.parent?.subscription_details?.metadata);
    if (orderId === null || invoice.id === undefined) return;
    if (statements.hasOrder.get(orderId) === undefined) return;
    if (paid) {
      // One credit per invoice: both announcements of one payment share its `in_…` id.
      const key =
        bug === 'credits-per-delivery'
          ? event.id
          : bug === 'credits-per-redelivery'
            ? `${invoice.id}:${randomUUID()}`
            : invoice.id;
      statements.credit.run(key, orderId, invoice.id, invoice.amount_paid);
    } else {
      statements.dunning.run(invoice.id, orderId);
    }
    // Without any status event, the invoices decide: paid → entitled, only failures → dunning.
    statements.stateFromInvoices.run(orderId);
  });

  async function POST(request: Request): Promise<Response> {
    // The exact bytes Stripe signed: never `request.json()` before verifying.
    const raw = Buffer.from(await request.arrayBuffer());
    let event: Stripe.Event;
    try {
      event = Stripe.webhooks.constructEvent(raw, request.headers.get('stripe-signature') ?? '', options.secret);
    } catch (error) {
      // A bad signature, a stale timestamp, or signed bytes that are not an event's JSON.
      return json(400, { error: 'invalid_event', message: (error as Error).message });
    }
    const object: unknown = event.data?.object;
    if (typeof object !== 'object' || object === null) return json(400, { error: 'no_object' });
    switch (event.type) {
      case 'customer.subscription.created':
      case 'customer.subscription.updated':
      case 'customer.subscription.deleted':
        applySubscription(event, object as Stripe.Subscription);
        return json(200, { received: true });
      case 'invoice.paid':
      case 'invoice.payment_succeeded':
      case 'invoice.payment_failed':
        applyInvoice(event, object as Stripe.Invoice, event.type !== 'invoice.payment_failed');
        return json(200, { received: true });
      default:
        // Stripe sends every type the endpoint is subscribed to; a 4xx makes it retry for days.
        if (bug === 'unhandled-400') return json(400, { error: 'unhandled_event_type', type: event.type });
        return json(200, { received: true, ignored: event.type });
    }
  }

  return { POST, close: () => db.close() };
}

function prepare(db: Database.Database) {
  return {
    recordEvent: db.prepare('INSERT OR IGNORE INTO stripe_events (event_id, type, received_at) VALUES (?, ?, ?)'),
    hasOrder: db.prepare('SELECT 1 FROM plan_orders WHERE order_id = ?'),
    // Newer event time wins; a tie goes to the later state in a subscription's life.
    setStateIfNewer: db.prepare(
      `UPDATE plan_orders SET state = @state, state_at = @at, state_rank = @rank
       WHERE order_id = @orderId AND (@at > state_at OR (@at = state_at AND @rank > state_rank))`,
    ),
    setStateBlindly: db.prepare(
      'UPDATE plan_orders SET state = @state, state_at = @at, state_rank = @rank WHERE order_id = @orderId',
    ),
    credit: db.prepare(
      'INSERT OR IGNORE INTO plan_credits (credit_key, order_id, invoice_id, amount_minor) VALUES (?, ?, ?, ?)',
    ),
    dunning: db.prepare('INSERT OR IGNORE INTO plan_dunning (invoice_id, order_id) VALUES (?, ?)'),
    stateFromInvoices: db.prepare(
      `UPDATE plan_orders SET state = CASE
         WHEN EXISTS (SELECT 1 FROM plan_credits c WHERE c.order_id = plan_orders.order_id) THEN 'entitled'
         WHEN EXISTS (SELECT 1 FROM plan_dunning d WHERE d.order_id = plan_orders.order_id) THEN 'dunning'
         ELSE state END
       WHERE order_id = ? AND state_at = -1`,
    ),
  };
}
