import type Stripe from 'stripe';

/**
 * What Stripe says now about the payment an event was about, for a reconciliation job that trusts the API over old
 * deliveries: the event is fetched by id, then its payment intent. Unit-tested with `ipn-gauntlet/msw`, no network.
 */
export async function paymentStatusOf(api: Stripe, eventId: string): Promise<Stripe.PaymentIntent.Status> {
  const event = await api.events.retrieve(eventId);
  const object = event.data.object as { object?: string; id?: string };
  if (object.object !== 'payment_intent' || object.id === undefined) {
    throw new Error(`event ${eventId} is not about a payment intent`);
  }
  return (await api.paymentIntents.retrieve(object.id)).status;
}
