import { type FactKind, FactKindSchema, type LifecycleFact, type OrderTerms } from '../../contracts/lifecycle.js';
import { Column, StringColumn } from './growable.js';

const factKinds = FactKindSchema.options;
const NONE = -1;

/**
 * The load plan's orders and genuine events, compactly: numbers in typed arrays indexed by order number and event
 * number, the ids packed into byte arrays. What the correctness check needs, and nothing of
 * an event's body, which is rebuilt from the seed when it is sent. About 60 bytes an event.
 */
export class EventTable {
  readonly #orderIds = new StringColumn();
  readonly #orderAmount = new Column(Int32Array);
  readonly #orderCurrency = new Column(Uint8Array);
  readonly #orderFirstEvent = new Column(Uint32Array);
  readonly #orderEventCount = new Column(Uint8Array);

  readonly #eventIds = new StringColumn();
  readonly #eventOrder = new Column(Uint32Array);
  readonly #eventKind = new Column(Uint8Array);
  readonly #eventAmount = new Column(Int32Array);
  readonly #eventCurrency = new Column(Uint8Array);
  readonly #eventTime = new Column(Float64Array);
  readonly #refundIds = new StringColumn();
  readonly #refundAmount = new Column(Int32Array);
  readonly #refundCumulative = new Column(Int32Array);
  readonly #currencies: string[] = [];

  get orders(): number {
    return this.#orderIds.length;
  }

  get events(): number {
    return this.#eventIds.length;
  }

  /** Adds an order and its events' facts, in the order they will be sent; returns the order number. */
  addOrder(terms: OrderTerms, facts: readonly LifecycleFact[]): number {
    const order = this.#orderIds.length;
    this.#orderIds.push(terms.orderId);
    this.#orderAmount.push(terms.amountMinor);
    this.#orderCurrency.push(this.#currency(terms.currency));
    this.#orderFirstEvent.push(this.#eventIds.length);
    this.#orderEventCount.push(facts.length);
    for (const fact of facts) {
      this.#eventIds.push(fact.eventId);
      this.#eventOrder.push(order);
      this.#eventKind.push(factKinds.indexOf(fact.kind));
      this.#eventAmount.push(fact.amountMinor);
      this.#eventCurrency.push(this.#currency(fact.currency));
      this.#eventTime.push(fact.occurredAt);
      this.#refundIds.push(fact.refund?.id ?? '');
      this.#refundAmount.push(fact.refund?.amountMinor ?? NONE);
      this.#refundCumulative.push(fact.refund?.cumulativeMinor ?? NONE);
    }
    return order;
  }

  orderId(order: number): string {
    return this.#orderIds.get(order);
  }

  terms(order: number): OrderTerms {
    return {
      orderId: this.orderId(order),
      amountMinor: this.#orderAmount.get(order),
      currency: this.#currencies[this.#orderCurrency.get(order)] ?? '',
    };
  }

  /** The event numbers of an order, in plan order. */
  eventsOf(order: number): number[] {
    const first = this.#orderFirstEvent.get(order);
    return Array.from({ length: this.#orderEventCount.get(order) }, (_, i) => first + i);
  }

  eventId(event: number): string {
    return this.#eventIds.get(event);
  }

  orderOf(event: number): number {
    return this.#eventOrder.get(event);
  }

  fact(event: number): LifecycleFact {
    const refundId = this.#refundIds.get(event);
    const amount = this.#refundAmount.get(event);
    const cumulative = this.#refundCumulative.get(event);
    const refund =
      refundId === ''
        ? undefined
        : {
            id: refundId,
            ...(amount === NONE ? {} : { amountMinor: amount }),
            ...(cumulative === NONE ? {} : { cumulativeMinor: cumulative }),
          };
    return {
      eventId: this.eventId(event),
      orderId: this.orderId(this.orderOf(event)),
      kind: factKinds[this.#eventKind.get(event)] as FactKind,
      amountMinor: this.#eventAmount.get(event),
      currency: this.#currencies[this.#eventCurrency.get(event)] ?? '',
      occurredAt: this.#eventTime.get(event),
      ...(refund === undefined ? {} : { refund }),
    };
  }

  #currency(code: string): number {
    const known = this.#currencies.indexOf(code);
    if (known >= 0) return known;
    this.#currencies.push(code);
    return this.#currencies.length - 1;
  }
}
