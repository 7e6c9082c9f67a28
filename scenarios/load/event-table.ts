import {
  type FactKind,
  FactKindSchema,
  type LifecycleFact,
  type OrderTerms,
  type PaymentFactKind,
} from '../../contracts/lifecycle.js';
import type { PaymentStep } from '../../contracts/provider.js';
import { PagedColumn, StringColumn } from './growable.js';

const factKinds = FactKindSchema.options;
const NONE = -1;

/** An event's flags: its step refunds; its fact names a refund; its fact's kind, amount, currency or time are its own. */
const STEP_REFUND = 1;
const FACT_REFUND = 2;
const FACT_OWN = 4;
/** An event id kept whole, not as a form around the event's key. */
const WHOLE_ID = 0;
/** Most forms of event id (text before and after the step's key) a table tells apart; past them ids are kept whole. */
const MAX_ID_FORMS = 255;

/**
 * The load plan's orders and genuine events, compactly: numbers in paged typed arrays indexed by order number and
 * event number, the ids packed into byte pages: the world's step each event was built from (its keys, amounts and
 * time), from which its body is made again when it is sent, and what the correctness check needs (the facts).
 *
 * A fact mostly repeats its step, so only what differs is kept: the fact's kind, amount, currency and time are its
 * step's unless the event is listed with its own; an event id that is the step's key with a fixed text around it
 * (`evt_` + key) is kept as that form's number; refunds (a few events in ten) are listed apart. About 70 bytes an
 * event where the facts repeat the steps (Stripe, Standard Webhooks), up to about 130 where they do not.
 */
export class EventTable {
  readonly #orderIds = new StringColumn();
  readonly #orderAmount = new PagedColumn(Int32Array);
  readonly #orderCurrency = new PagedColumn(Uint8Array);
  readonly #orderFirstEvent = new PagedColumn(Uint32Array);
  readonly #orderEventCount = new PagedColumn(Uint8Array);
  readonly #currencies: string[] = [];

  readonly #eventOrder = new PagedColumn(Uint32Array);
  readonly #flags = new PagedColumn(Uint8Array);
  readonly #stepKind = new PagedColumn(Uint8Array);
  readonly #stepKeys = new StringColumn();
  readonly #paymentKeys = new StringColumn();
  readonly #stepAmount = new PagedColumn(Int32Array);
  readonly #stepCurrency = new PagedColumn(Uint8Array);
  readonly #stepTime = new PagedColumn(Float64Array);
  readonly #stepPayee = new PagedColumn(Uint8Array);
  readonly #payees: string[] = [''];

  /** Each event's id form: WHOLE_ID, or the number of a [before, after] pair around its step's key. */
  readonly #idForm = new PagedColumn(Uint8Array);
  readonly #idForms: (readonly [string, string])[] = [['', '']];
  readonly #idFormNumbers = new Map<string, number>();
  /** Whole ids ('' for an event whose id has a form), from the first event that needed one. */
  #wholeIds: StringColumn | null = null;

  /** The events whose step refunds, ascending, and the refund's key and amounts. */
  readonly #stepRefundEvents = new PagedColumn(Uint32Array);
  readonly #stepRefundKeys = new StringColumn();
  readonly #stepRefundAmount = new PagedColumn(Int32Array);
  readonly #stepRefundCumulative = new PagedColumn(Int32Array);

  /** The events whose fact names a refund, ascending, and the refund's id and amounts (NONE: not given). */
  readonly #factRefundEvents = new PagedColumn(Uint32Array);
  readonly #factRefundIds = new StringColumn();
  readonly #factRefundAmount = new PagedColumn(Int32Array);
  readonly #factRefundCumulative = new PagedColumn(Int32Array);

  /** The events whose fact's kind, amount, currency or time differ from their step's, ascending, and the fact's. */
  readonly #ownEvents = new PagedColumn(Uint32Array);
  readonly #ownKind = new PagedColumn(Uint8Array);
  readonly #ownAmount = new PagedColumn(Int32Array);
  readonly #ownCurrency = new PagedColumn(Uint8Array);
  readonly #ownTime = new PagedColumn(Float64Array);

  get orders(): number {
    return this.#orderIds.length;
  }

  get events(): number {
    return this.#eventOrder.length;
  }

  /** Bytes the table's columns hold. */
  get bytes(): number {
    const columns: { readonly bytes: number }[] = [
      this.#orderIds,
      this.#orderAmount,
      this.#orderCurrency,
      this.#orderFirstEvent,
      this.#orderEventCount,
      this.#eventOrder,
      this.#flags,
      this.#stepKind,
      this.#stepKeys,
      this.#paymentKeys,
      this.#stepAmount,
      this.#stepCurrency,
      this.#stepTime,
      this.#stepPayee,
      this.#idForm,
      ...(this.#wholeIds === null ? [] : [this.#wholeIds]),
      this.#stepRefundEvents,
      this.#stepRefundKeys,
      this.#stepRefundAmount,
      this.#stepRefundCumulative,
      this.#factRefundEvents,
      this.#factRefundIds,
      this.#factRefundAmount,
      this.#factRefundCumulative,
      this.#ownEvents,
      this.#ownKind,
      this.#ownAmount,
      this.#ownCurrency,
      this.#ownTime,
    ];
    return columns.reduce((sum, column) => sum + column.bytes, 0);
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
    this.#orderFirstEvent.push(this.#eventOrder.length);
    this.#orderEventCount.push(facts.length);
    for (const [i, fact] of facts.entries()) this.#addEvent(order, fact, steps?.[i] ?? stepless(fact));
    return order;
  }

  #addEvent(order: number, fact: LifecycleFact, step: PaymentStep): void {
    const event = this.#eventOrder.push(order);
    this.#stepKind.push(factKinds.indexOf(step.kind));
    this.#stepKeys.push(step.eventKey);
    this.#paymentKeys.push(step.paymentKey);
    this.#stepAmount.push(step.amountMinor);
    this.#stepCurrency.push(this.#currency(step.currency));
    this.#stepTime.push(step.createdAt);
    const payee = step.payee === undefined ? 0 : this.#payees.indexOf(step.payee);
    this.#stepPayee.push(payee >= 0 ? payee : this.#payees.push(step.payee ?? '') - 1);
    this.#addEventId(event, fact.eventId, step.eventKey);

    let flags = 0;
    if (step.refund !== undefined) {
      flags |= STEP_REFUND;
      this.#stepRefundEvents.push(event);
      this.#stepRefundKeys.push(step.refund.key);
      this.#stepRefundAmount.push(step.refund.amountMinor);
      this.#stepRefundCumulative.push(step.refund.cumulativeMinor);
    }
    if (fact.refund !== undefined) {
      flags |= FACT_REFUND;
      this.#factRefundEvents.push(event);
      this.#factRefundIds.push(fact.refund.id);
      this.#factRefundAmount.push(fact.refund.amountMinor ?? NONE);
      this.#factRefundCumulative.push(fact.refund.cumulativeMinor ?? NONE);
    }
    if (
      fact.kind !== step.kind ||
      fact.amountMinor !== step.amountMinor ||
      fact.currency !== step.currency ||
      fact.occurredAt !== step.createdAt
    ) {
      flags |= FACT_OWN;
      this.#ownEvents.push(event);
      this.#ownKind.push(factKinds.indexOf(fact.kind));
      this.#ownAmount.push(fact.amountMinor);
      this.#ownCurrency.push(this.#currency(fact.currency));
      this.#ownTime.push(fact.occurredAt);
    }
    this.#flags.push(flags);
  }

  /** Keeps an event id as the number of its form around the step's key, or whole. */
  #addEventId(event: number, eventId: string, key: string): void {
    const at = key === '' ? -1 : eventId.indexOf(key);
    let form = WHOLE_ID;
    if (at >= 0) {
      const before = eventId.slice(0, at);
      const after = eventId.slice(at + key.length);
      const name = `${before}\u0000${after}`;
      form = this.#idFormNumbers.get(name) ?? WHOLE_ID;
      if (form === WHOLE_ID && this.#idForms.length <= MAX_ID_FORMS) {
        form = this.#idForms.push([before, after]) - 1;
        this.#idFormNumbers.set(name, form);
      }
    }
    this.#idForm.push(form);
    if (form === WHOLE_ID && this.#wholeIds === null) {
      this.#wholeIds = new StringColumn();
      for (let earlier = 0; earlier < event; earlier += 1) this.#wholeIds.push('');
    }
    this.#wholeIds?.push(form === WHOLE_ID ? eventId : '');
  }

  /** The world's step an event was built from, as it was when the plan was made. */
  step(event: number): PaymentStep {
    const payee = this.#stepPayee.get(event);
    const refund = (this.#flags.get(event) & STEP_REFUND) === 0 ? -1 : this.#stepRefundEvents.floor(event);
    return {
      kind: factKinds[this.#stepKind.get(event)] as PaymentFactKind,
      eventKey: this.#stepKeys.get(event),
      orderId: this.orderId(this.orderOf(event)),
      paymentKey: this.#paymentKeys.get(event),
      amountMinor: this.#stepAmount.get(event),
      currency: this.#currencies[this.#stepCurrency.get(event)] ?? '',
      createdAt: this.#stepTime.get(event),
      ...(refund < 0
        ? {}
        : {
            refund: {
              key: this.#stepRefundKeys.get(refund),
              amountMinor: this.#stepRefundAmount.get(refund),
              cumulativeMinor: this.#stepRefundCumulative.get(refund),
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

  /** Whether an event of the order satisfies `test` (the events in plan order), without an array of them. */
  someEventOf(order: number, test: (event: number) => boolean): boolean {
    const first = this.#orderFirstEvent.get(order);
    const end = first + this.#orderEventCount.get(order);
    for (let event = first; event < end; event += 1) if (test(event)) return true;
    return false;
  }

  eventId(event: number): string {
    const form = this.#idForm.get(event);
    if (form === WHOLE_ID) return this.#wholeIds?.get(event) ?? '';
    const [before, after] = this.#idForms[form] ?? ['', ''];
    return before + this.#stepKeys.get(event) + after;
  }

  orderOf(event: number): number {
    return this.#eventOrder.get(event);
  }

  fact(event: number): LifecycleFact {
    const flags = this.#flags.get(event);
    const own = (flags & FACT_OWN) === 0 ? -1 : this.#ownEvents.floor(event);
    const refund = (flags & FACT_REFUND) === 0 ? -1 : this.#factRefundEvents.floor(event);
    const amount = refund < 0 ? NONE : this.#factRefundAmount.get(refund);
    const cumulative = refund < 0 ? NONE : this.#factRefundCumulative.get(refund);
    return {
      eventId: this.eventId(event),
      orderId: this.orderId(this.orderOf(event)),
      kind: factKinds[own < 0 ? this.#stepKind.get(event) : this.#ownKind.get(own)] as FactKind,
      amountMinor: own < 0 ? this.#stepAmount.get(event) : this.#ownAmount.get(own),
      currency: this.#currencies[own < 0 ? this.#stepCurrency.get(event) : this.#ownCurrency.get(own)] ?? '',
      occurredAt: own < 0 ? this.#stepTime.get(event) : this.#ownTime.get(own),
      ...(refund < 0
        ? {}
        : {
            refund: {
              id: this.#factRefundIds.get(refund),
              ...(amount === NONE ? {} : { amountMinor: amount }),
              ...(cumulative === NONE ? {} : { cumulativeMinor: cumulative }),
            },
          }),
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
