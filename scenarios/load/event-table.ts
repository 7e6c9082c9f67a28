import {
  type FactKind,
  FactKindSchema,
  type LifecycleFact,
  type OrderTerms,
  type PaymentFactKind,
} from '../../contracts/lifecycle.js';
import type { PaymentStep } from '../../contracts/provider.js';
import { Column, StringColumn } from './growable.js';

const factKinds = FactKindSchema.options;
const NONE = -1;

/**
 * The load plan's orders and genuine events, compactly: numbers in typed arrays indexed by order number and event
 * number, the ids packed into byte arrays: what the correctness check needs (the facts), and the world's step each
 * event was built from (its keys, amounts and time), from which its body is made again when it is sent. About 120
 * bytes an event.
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

  readonly #stepKind = new Column(Uint8Array);
  readonly #stepKeys = new StringColumn();
  readonly #paymentKeys = new StringColumn();
  readonly #stepAmount = new Column(Int32Array);
  readonly #stepCurrency = new Column(Uint8Array);
  readonly #stepTime = new Column(Float64Array);
  readonly #stepRefundKeys = new StringColumn();
  readonly #stepRefundAmount = new Column(Int32Array);
  readonly #stepRefundCumulative = new Column(Int32Array);
  readonly #stepPayee = new Column(Uint8Array);
  readonly #payees: string[] = [''];

  get orders(): number {
    return this.#orderIds.length;
  }

  get events(): number {
    return this.#eventIds.length;
  }

  /**
   * Adds an order and its events' facts, in the order they will be sent, with the steps they were built from (one
   * each, in the same order; without them, a table for the check alone); returns the order number.
   */
  addOrder(terms: OrderTerms, facts: readonly LifecycleFact[], steps?: readonly PaymentStep[]): number {
    if (steps !== undefined && steps.length !== facts.length) {
      throw new RangeError(`${facts.length} facts but ${steps.length} steps`);
    }
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
    for (const [i, fact] of facts.entries()) this.#addStep(steps?.[i] ?? stepless(fact));
    return order;
  }

  #addStep(step: PaymentStep): void {
    this.#stepKind.push(factKinds.indexOf(step.kind));
    this.#stepKeys.push(step.eventKey);
    this.#paymentKeys.push(step.paymentKey);
    this.#stepAmount.push(step.amountMinor);
    this.#stepCurrency.push(this.#currency(step.currency));
    this.#stepTime.push(step.createdAt);
    this.#stepRefundKeys.push(step.refund?.key ?? '');
    this.#stepRefundAmount.push(step.refund?.amountMinor ?? NONE);
    this.#stepRefundCumulative.push(step.refund?.cumulativeMinor ?? NONE);
    const payee = step.payee === undefined ? 0 : this.#payees.indexOf(step.payee);
    this.#stepPayee.push(payee >= 0 ? payee : this.#payees.push(step.payee ?? '') - 1);
  }

  /** The world's step an event was built from, as it was when the plan was made. */
  step(event: number): PaymentStep {
    const refundKey = this.#stepRefundKeys.get(event);
    const payee = this.#stepPayee.get(event);
    return {
      kind: factKinds[this.#stepKind.get(event)] as PaymentFactKind,
      eventKey: this.#stepKeys.get(event),
      orderId: this.orderId(this.orderOf(event)),
      paymentKey: this.#paymentKeys.get(event),
      amountMinor: this.#stepAmount.get(event),
      currency: this.#currencies[this.#stepCurrency.get(event)] ?? '',
      createdAt: this.#stepTime.get(event),
      ...(refundKey === ''
        ? {}
        : {
            refund: {
              key: refundKey,
              amountMinor: this.#stepRefundAmount.get(event),
              cumulativeMinor: this.#stepRefundCumulative.get(event),
            },
          }),
      ...(payee === 0 ? {} : { payee: this.#payees[payee] ?? '' }),
    };
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

/** The step of an event added without one: its kind, amount and time, and no keys. */
function stepless(fact: LifecycleFact): PaymentStep {
  return {
    kind: fact.kind as PaymentFactKind,
    eventKey: '',
    orderId: fact.orderId,
    paymentKey: '',
    amountMinor: fact.amountMinor,
    currency: fact.currency,
    createdAt: fact.occurredAt,
  };
}
