import express, { type ErrorRequestHandler, type Express, type Request, type Response } from 'express';
import Stripe from 'stripe';
import { openStore, type PaymentNews, type Store } from './store.js';

/**
 * A Stripe Checkout webhook receiver written the way SaaS starters write them: Express, the official SDK's
 * `constructEvent` over the raw bytes, the order id in `client_reference_id`, state in the shop's own SQLite tables.
 * It serves no probe: the gauntlet reads those tables through probe.json.
 *
 * `bug` plants one mistake found in real receivers, for the gauntlet to catch (app.gauntlet.test.ts).
 */
export type AppBug =
  /** Dedupe by a SELECT, an await, then the INSERT, no transaction: concurrent copies all pass the SELECT. */
  | 'check-then-insert'
  /** No dedupe at all: every delivery of a paid checkout grants credits again. */
  | 'credits-per-delivery'
  /** 400 "Unhandled event type" to any type outside the four below, so Stripe retries it for days. */
  | 'unhandled-400'
  /** Fulfils on checkout.session.completed whatever its payment_status: a delayed method's `unpaid` session too. */
  | 'fulfils-unpaid';

export interface AppOptions {
  /** The endpoint secret, `whsec_…`. */
  secret: string;
  /** The SQLite file (created with its tables if missing). */
  dbFile: string;
  bug?: AppBug;
}

export type App = Express & { close(): void };

const handledTypes = new Set([
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'checkout.session.expired',
]);

/** Only the webhook helpers are used: the key is never sent anywhere. */
const stripe = new Stripe('sk_test_unused_by_webhooks');

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What a handled event says about its order, or null when it names no order of ours (setup sessions, no reference). */
function paymentNews(
  event: { id: string; type: string; created: number; data: { object: unknown } },
  bug: AppBug | undefined,
): PaymentNews | null {
  const session = event.data.object;
  if (!isRecord(session) || session.object !== 'checkout.session' || session.mode !== 'payment') return null;
  const metadata = isRecord(session.metadata) ? session.metadata : {};
  // client_reference_id when the session has one (null or '' when the checkout was made without it), else metadata.
  const orderId =
    typeof session.client_reference_id === 'string' && session.client_reference_id !== ''
      ? session.client_reference_id
      : metadata.order_id;
  if (typeof orderId !== 'string' || orderId === '') return null;
  if (typeof session.currency !== 'string' || typeof session.amount_total !== 'number') return null;
  const kind =
    event.type === 'checkout.session.completed'
      ? session.payment_status === 'unpaid' && bug !== 'fulfils-unpaid'
        ? 'pending'
        : 'succeeded'
      : event.type === 'checkout.session.async_payment_succeeded'
        ? 'succeeded'
        : 'failed';
  return {
    orderId,
    kind,
    amountCents: session.amount_total,
    // Stripe writes currencies in lower case; the shop's orders in upper case.
    currency: session.currency.toUpperCase(),
    at: event.created,
    sessionId: typeof session.id === 'string' ? session.id : '',
    eventId: event.id,
  };
}

/** The planted check-then-insert's gap: any await between the read and the write (a log call, an API fetch). */
const somethingAsync = () => new Promise<void>((resolve) => setTimeout(resolve, 5));

async function handle(store: Store, bug: AppBug | undefined, event: Stripe.Event): Promise<void> {
  const news = paymentNews(event as unknown as Parameters<typeof paymentNews>[0], bug);
  switch (bug) {
    case 'check-then-insert':
      if (store.wasProcessed(event.id)) return;
      await somethingAsync();
      store.markProcessed(event.id, event.type);
      if (news !== null) store.apply(news);
      return;
    case 'credits-per-delivery':
      if (news !== null) store.apply(news);
      return;
    default:
      // The event id and its effect commit together: a redelivery (sequential or concurrent) finds the id and does
      // nothing, and a crash between the two leaves neither, so Stripe's retry applies it.
      store.transaction(() => {
        if (!store.markProcessed(event.id, event.type)) return;
        if (news !== null) store.apply(news);
      });
  }
}

export function buildApp(options: AppOptions): App {
  const store = openStore(options.dbFile);
  const app = express();

  // The raw bytes, not parsed JSON: the signature is over exactly what Stripe sent.
  app.post('/webhooks/stripe', express.raw({ type: 'application/json' }), async (req: Request, res: Response) => {
    const signature = req.headers['stripe-signature'];
    if (!Buffer.isBuffer(req.body) || typeof signature !== 'string') {
      res.status(400).json({ error: 'expected a signed JSON body' });
      return;
    }
    let event: Stripe.Event;
    try {
      event = stripe.webhooks.constructEvent(req.body, signature, options.secret);
    } catch (error) {
      res.status(400).json({ error: error instanceof Error ? error.message : 'signature check failed' });
      return;
    }
    // Correctly signed, but not shaped as an event (the gauntlet signs malformed bodies too): nothing to apply.
    const shaped = event as unknown;
    if (!isRecord(shaped) || typeof event.id !== 'string' || typeof event.type !== 'string') {
      res.status(400).json({ error: 'not a Stripe event' });
      return;
    }
    if (!handledTypes.has(event.type)) {
      if (options.bug === 'unhandled-400') {
        res.status(400).json({ error: `Unhandled event type ${event.type}` });
        return;
      }
      // Acknowledged, or Stripe retries it for three days and finally disables the endpoint.
      res.json({ received: true, ignored: event.type });
      return;
    }
    if (typeof event.created !== 'number' || !isRecord(event.data)) {
      res.status(400).json({ error: 'not a Stripe event' });
      return;
    }
    await handle(store, options.bug, event);
    res.json({ received: true });
  });

  // Body-parser's own refusals (too large, bad encoding) keep their 4xx; anything else is ours, a 500 Stripe retries.
  const errors: ErrorRequestHandler = (error, _req, res, _next) => {
    const status = typeof error?.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500;
    res.status(status).json({ error: status === 500 ? 'internal error' : String(error.message ?? error) });
  };
  app.use(errors);

  return Object.assign(app, { close: () => store.close() });
}
