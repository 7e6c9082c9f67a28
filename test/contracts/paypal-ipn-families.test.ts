import { describe, expect, test } from 'vitest';
import { decodeBody } from '../../contracts/decode.js';
import { deriveOrderState } from '../../contracts/lifecycle.js';
import { formatMinor, parseDecimal } from '../../contracts/money.js';
import type { EventFamily, LifecycleStep, Provider, SubscriptionStep } from '../../contracts/provider.js';
import { type PaypalIpn, paypalIpn, paypalIpnFamilies } from '../../contracts/providers/paypal-ipn.js';
import { decodeIpn } from '../../contracts/providers/paypal-ipn-wire.js';
import { eventsOf } from '../../simulator/events.js';
import { createRandom } from '../../simulator/random.js';
import { createWorld, type LifecycleKind, type WorldOrder } from '../../simulator/world.js';

type FamilyId = keyof typeof paypalIpnFamilies;
const withFamily = (id: FamilyId): Provider =>
  ({ ...paypalIpn, families: { [id]: paypalIpnFamilies[id] } }) as Provider;

function orderOf(lifecycle: LifecycleKind, currency = 'USD', seed = 3): WorldOrder {
  return createWorld({ random: createRandom(seed), runId: 'pf', startSeconds: 1_800_000_000 }).order(lifecycle, {
    currency,
  });
}

/** What a receiver reads of each event: the IPN decoded from its bytes, its id from the envelope, its fact. */
function delivered(provider: Provider, order: WorldOrder) {
  return eventsOf(provider, order).map((event) => {
    const decoded = decodeBody(paypalIpn, event.body, {});
    if (!decoded.ok) throw new Error(decoded.reason);
    const fields = decoded.value as Record<string, string>;
    return { event, fields, id: paypalIpn.eventId(fields, {}) };
  });
}

const endOf = (order: WorldOrder, facts: readonly { fact: Parameters<typeof deriveOrderState>[1][number] }[]) =>
  deriveOrderState(
    order,
    facts.map((f) => f.fact),
  );

describe.each([
  ['subscription', 'subscription-renewed', ['subscr_signup', 'subscr_payment', 'subscr_payment'], 'active', 2],
  ['subscription', 'subscription-activated', ['subscr_signup', 'subscr_payment', 'subscr_modify'], 'active', 1],
  [
    'subscription',
    'subscription-past-due',
    ['subscr_signup', 'subscr_payment', 'subscr_failed', 'recurring_payment_suspended_due_to_max_failed_payment'],
    'past_due',
    1,
  ],
  ['subscription', 'subscription-canceled', ['subscr_signup', 'subscr_payment', 'subscr_cancel'], 'canceled', 1],
  [
    'recurring_payment',
    'subscription-renewed',
    ['recurring_payment_profile_created', 'recurring_payment', 'recurring_payment'],
    'active',
    2,
  ],
  [
    'recurring_payment',
    'subscription-past-due',
    [
      'recurring_payment_profile_created',
      'recurring_payment',
      'recurring_payment_failed',
      'recurring_payment_suspended_due_to_max_failed_payment',
    ],
    'past_due',
    1,
  ],
  [
    'recurring_payment',
    'subscription-canceled',
    ['recurring_payment_profile_created', 'recurring_payment', 'recurring_payment_profile_cancel'],
    'canceled',
    1,
  ],
  ['cart', 'paid', ['cart', 'cart'], 'paid', 1],
  ['cart', 'failed-then-paid', ['cart', 'cart', 'cart', 'cart'], 'paid', 1],
  ['cart', 'paid-directly', ['cart'], 'paid', 1],
  ['cart', 'partially-refunded', ['cart', undefined], 'partially_refunded', 1],
] as const)('the %s family plays %s', (family, lifecycle, types, status, fulfillments) => {
  const order = orderOf(lifecycle);
  const events = delivered(withFamily(family), order);

  test(`as ${types.map((type) => type ?? '(a refund: no txn_type)').join(' → ')}, ending ${status}`, () => {
    expect(events.map((e) => e.fields.txn_type)).toEqual(types);
    expect(
      endOf(
        order,
        events.map((e) => e.event),
      ),
    ).toMatchObject({ status, fulfillments });
  });

  test('every IPN passes the envelope and event schemas, and its bytes give back the id and fact it was built with', () => {
    for (const { event, fields, id } of events) {
      expect(paypalIpn.envelopeSchema.safeParse(fields).success).toBe(true);
      const parsed = paypalIpn.eventSchema.safeParse(fields);
      expect(parsed.success).toBe(true);
      expect(id).toBe(event.eventId);
      expect(paypalIpn.toFact(parsed.data as PaypalIpn, event.eventId)).toEqual(event.fact);
    }
  });
});

test('each subscription payment is credited once: its own txn_id, Completed, naming the subscr_id of the signup', () => {
  const events = delivered(withFamily('subscription'), orderOf('subscription-renewed'));
  const [signup, first, second] = events.map((e) => e.fields);
  expect(first?.subscr_id).toBe(signup?.subscr_id);
  expect(second?.subscr_id).toBe(signup?.subscr_id);
  expect(first?.txn_id).not.toBe(second?.txn_id);
  expect(events.map((e) => e.id)).toEqual([
    `${signup?.subscr_id}:subscr_signup`,
    `${first?.txn_id}:Completed`,
    `${second?.txn_id}:Completed`,
  ]);
  expect(events.slice(1).map((e) => e.event.fact.invoice?.id)).toEqual([first?.txn_id, second?.txn_id]);
});

test('a first subscription payment in a currency the account does not hold is Pending, then Completed, under one txn_id', () => {
  const events = delivered(withFamily('subscription'), orderOf('subscription-renewed', 'EUR'));
  const payments = events.filter((e) => e.fields.txn_type === 'subscr_payment').map((e) => e.fields);
  expect(payments.map((p) => [p.payment_status, p.pending_reason])).toEqual([
    ['Pending', 'multi_currency'],
    ['Completed', undefined],
    ['Completed', undefined],
  ]);
  expect(payments[0]?.txn_id).toBe(payments[1]?.txn_id);
  const ids = events.map((e) => e.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(
    endOf(
      orderOf('subscription-renewed', 'EUR'),
      events.map((e) => e.event),
    ),
  ).toMatchObject({
    status: 'active',
    fulfillments: 2,
  });
});

test('notices without a txn_id: once-in-a-life ones by subscr_id + txn_type, repeating ones by their ipn_track_id too', () => {
  const events = delivered(withFamily('subscription'), orderOf('subscription-past-due'));
  const failed = events.find((e) => e.fields.txn_type === 'subscr_failed');
  expect(failed?.id).toBe(`${failed?.fields.subscr_id}:subscr_failed:${failed?.fields.ipn_track_id}`);
  const suspended = events.at(-1);
  expect(suspended?.fields.recurring_payment_id).toBe(events[0]?.fields.subscr_id);
  expect(suspended?.id).toMatch(/^I-[0-9A-F]{12}:recurring_payment_suspended_due_to_max_failed_payment:[0-9a-f]{13}$/);
});

test('a signup arrives in the order of PayPal sandbox messages, the order in invoice and a WooCommerce-style custom', () => {
  const order = orderOf('subscription-canceled');
  const [signup] = eventsOf(withFamily('subscription'), order);
  const { fields } = decodeIpn(signup?.body ?? new Uint8Array());
  expect(fields.map(([name]) => name).slice(0, 6)).toEqual([
    'txn_type',
    'subscr_id',
    'last_name',
    'residence_country',
    'mc_currency',
    'item_name',
  ]);
  const byName = Object.fromEntries(fields);
  expect(byName.invoice).toBe(order.orderId);
  expect(JSON.parse(byName.custom ?? '')).toMatchObject({ order_id: order.orderId });
  expect(byName.mc_amount3).toBe(formatMinor(order.amountMinor, order.currency));
  expect(fields.at(-1)?.[0]).toBe('ipn_track_id');
});

test.each(['USD', 'JPY', 'KWD'])(
  'a %s cart lists two or three items whose mc_gross_N add up to mc_gross',
  (currency) => {
    for (let seed = 1; seed <= 12; seed += 1) {
      const [cart] = delivered(withFamily('cart'), orderOf('paid-directly', currency, seed));
      const f = cart?.fields ?? {};
      const count = Number(f.num_cart_items);
      expect(count).toBeGreaterThanOrEqual(2);
      const items = Array.from({ length: count }, (_, i) => parseDecimal(f[`mc_gross_${i + 1}`] ?? '', currency) ?? -1);
      expect(items.every((minor) => minor > 0)).toBe(true);
      expect(items.reduce((a, b) => a + b, 0)).toBe(parseDecimal(f.mc_gross ?? '', currency));
      expect(f[`item_name${count}`]).toBeTruthy();
      expect(f[`item_name${count + 1}`]).toBeUndefined();
    }
  },
);

test('a cart refund is the provider refund IPN, naming the cart txn_id as its parent', () => {
  const events = delivered(withFamily('cart'), orderOf('partially-refunded'));
  const [cart, refund] = events.map((e) => e.fields);
  expect(refund?.parent_txn_id).toBe(cart?.txn_id);
  expect(refund?.payment_status).toBe('Refunded');
  expect(refund?.mc_gross?.startsWith('-')).toBe(true);
});

test('a recurring payments profile sends nothing when it returns to active: the profile was created active', () => {
  const family = paypalIpnFamilies.recurring_payment as EventFamily;
  const order = orderOf('subscription-activated');
  const steps = order.steps as readonly LifecycleStep[];
  const built = steps.map((step, i) => family.buildEvents(step, steps.slice(0, i)) ?? []);
  expect(built.map((events) => events.length)).toEqual([1, 1, 0]);
  expect((steps[2] as SubscriptionStep).status).toBe('active');
  const facts = built.flat().map(({ event, eventId }) => paypalIpn.toFact(event as PaypalIpn, eventId));
  expect(
    deriveOrderState(
      order,
      facts.flatMap((f) => (f === null ? [] : [f])),
    ),
  ).toMatchObject({
    status: 'active',
    fulfillments: 1,
  });
});

test('a family message that fails its own schema is refused, not read as a payment; web_accept still parses', () => {
  const [, payment] = delivered(withFamily('subscription'), orderOf('subscription-renewed')).map((e) => e.fields);
  const { subscr_id: _dropped, ...withoutSubscription } = payment ?? {};
  expect(paypalIpn.eventSchema.safeParse(withoutSubscription).success).toBe(false);
  const [webAccept] = delivered(paypalIpn, orderOf('paid-directly'));
  expect(webAccept?.fields.txn_type).toBe('web_accept');
  expect(paypalIpn.eventSchema.safeParse(webAccept?.fields).success).toBe(true);
});

test('an IPN with neither a txn_id + payment_status nor a subscription or profile id fails the envelope', () => {
  const result = paypalIpn.envelopeSchema.safeParse({ txn_type: 'subscr_signup', receiver_email: 'm@example.com' });
  expect(result.success).toBe(false);
  expect(result.error?.issues[0]?.message).toMatch(/no txn_id \+ payment_status/);
});

test('a cart paid after a pending review is Pending, then Completed, under one txn_id: two events', () => {
  const events = delivered(withFamily('cart'), orderOf('paid'));
  expect(events.map((e) => e.fields.payment_status)).toEqual(['Pending', 'Completed']);
  expect(events[0]?.fields.txn_id).toBe(events[1]?.fields.txn_id);
  expect(events.map((e) => e.id)).toEqual([
    `${events[0]?.fields.txn_id}:Pending`,
    `${events[0]?.fields.txn_id}:Completed`,
  ]);
});
