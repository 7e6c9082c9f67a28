import { type Clock, unixSeconds } from '../../contracts/clock.js';
import type { Provider } from '../../contracts/provider.js';
import { isPaymentStep, type LifecycleStep, type PaymentStep } from '../../contracts/provider.js';
import type { GatewayEvent } from '../../simulator/events.js';
import { forgery, forgeryNames } from '../../simulator/faults/forge.js';
import { createSigningContext, type Delivery, deliveryOf } from '../../simulator/plan.js';
import { createRandom, type Random } from '../../simulator/random.js';
import { canPlay, createWorld, lifecycleKinds, type WorldOrder } from '../../simulator/world.js';
import { EventTable } from './event-table.js';
import { type BodyTemplates, createBodyTemplates } from './templates.js';

export interface LoadPlanOptions {
  readonly provider: Provider;
  readonly secret: string;
  readonly notificationUrl?: string;
  readonly seed: number;
  /** Prefix of order and event ids. */
  readonly runId: string;
  /** Most orders in the plan. */
  readonly orders: number;
  /** The plan stops adding orders once it holds this many genuine events. */
  readonly events: number;
  /** Chance, in percent, that a genuine delivery is followed (a few deliveries later) by a re-signed copy. */
  readonly duplicatePercent: number;
  /** Chance, in percent, that a genuine delivery is followed by a forgery of the same event. */
  readonly forgedPercent: number;
  readonly clock: Clock;
}

/** What a delivery is: 0 the event's first delivery, 1 a duplicate, 2 + i the i-th forgery of `forgeries`. */
export const GENUINE = 0;
export const DUPLICATE = 1;
export const FORGED = 2;

export interface PlannedDelivery {
  readonly event: number;
  readonly kind: number;
  /** Built just now; the sender signs it as it leaves. */
  readonly delivery: Delivery;
}

export interface LoadPlan {
  readonly table: EventTable;
  /** The forgery names a delivery kind 2 + i refers to. */
  readonly forgeries: readonly string[];
  /** The bodies' templates, checked against the provider's builder while the plan was made. */
  readonly templates: BodyTemplates;
  /** A fresh pass over the plan's deliveries, built one at a time as they are asked for (and signed as they leave). */
  deliveries(): DeliverySource;
}

export interface DeliverySource {
  /** The next delivery, or null when the plan is exhausted. */
  next(): PlannedDelivery | null;
}

const MAX_DUPLICATE_GAP = 16;

/**
 * The load plan from a seed: orders of the seeded world (lifecycles the provider can play), their events, and the
 * duplicates and forgeries drawn with the given percentages. Only the compact event table is kept (facts and the steps
 * they came from); bodies are made from a step while the deliveries are sent, spliced into the shape's byte template
 * (checked here against the builder's bytes on the shape's first events) or else built by the provider, so the plan's
 * size does not grow with the bodies.
 */
export function createLoadPlan(options: LoadPlanOptions): LoadPlan {
  const startSeconds = unixSeconds(options.clock) - 3_600;
  // The provider's default family only: load sends payments, each step one event.
  const playable = lifecycleKinds.filter((kind) => canPlay({ factKinds: options.provider.factKinds }, kind));
  const forgeries = forgeryNames(options.provider);

  /** The world's orders in plan order; the same seed gives the same orders each time. */
  function* worldOrders(): Generator<WorldOrder> {
    const random = createRandom(options.seed);
    const world = createWorld({ random: random.fork('world'), runId: options.runId, startSeconds });
    const lifecycles = random.fork('lifecycles');
    while (true) yield world.order(lifecycles.pick(playable));
  }

  const table = new EventTable();
  const templates = createBodyTemplates(options.provider);
  const orders = worldOrders();
  while (table.orders < options.orders && table.events < options.events) {
    const order = orders.next().value as WorldOrder;
    const steps = order.steps.map(paymentStep);
    table.addOrder(
      order,
      steps.map((step) => {
        const { event, eventId } = options.provider.buildEvent(step);
        const fact = options.provider.toFact(event, eventId);
        if (fact === null) throw new Error(`provider ${options.provider.id} gives no lifecycle fact for ${step.kind}`);
        templates.verify(step, () => options.provider.encode(event));
        return fact;
      }),
      steps,
    );
  }

  return {
    table,
    forgeries,
    templates,
    deliveries: () => deliverySource(options, table, forgeries, templates),
  };
}

function deliverySource(
  options: LoadPlanOptions,
  table: EventTable,
  forgeries: readonly string[],
  templates: BodyTemplates,
): DeliverySource {
  const random = createRandom(options.seed).fork('load');
  const signing = createSigningContext({
    provider: options.provider,
    secret: options.secret,
    random: random.fork('signing'),
    nowSeconds: () => unixSeconds(options.clock),
    ...(options.notificationUrl === undefined ? {} : { notificationUrl: options.notificationUrl }),
  });
  const draws: Random = random.fork('draws');
  let order = -1;
  let queue: GatewayEvent[] = [];
  let nextEvent = 0;
  let count = 0;
  let previousOrderEvent: GatewayEvent | undefined;
  const later: { due: number; event: number; body: GatewayEvent }[] = [];
  let forged: { event: number; body: GatewayEvent; other: GatewayEvent | undefined } | null = null;

  const chance = (percent: number) => percent > 0 && draws.int(0, 9_999) < percent * 100;

  function nextGenuine(): GatewayEvent | null {
    while (queue.length === 0) {
      if (order + 1 >= table.orders) return null;
      order += 1;
      queue = table.eventsOf(order).map((number): GatewayEvent => {
        const step = table.step(number);
        return {
          eventId: table.eventId(number),
          orderId: step.orderId,
          type: step.kind,
          body: templates.render(step) ?? options.provider.encode(options.provider.buildEvent(step).event),
          // The fact was derived once while planning; the table has it, for whoever asks (sending does not).
          get fact() {
            return table.fact(number);
          },
          createdAt: step.createdAt,
        };
      });
    }
    return queue.shift() ?? null;
  }

  function emit(event: number, kind: number, delivery: Delivery): PlannedDelivery {
    count += 1;
    return { event, kind, delivery };
  }

  return {
    next() {
      const due = later[0];
      if (due !== undefined && due.due <= count) {
        later.shift();
        return emit(due.event, DUPLICATE, deliveryOf(signing, due.body));
      }
      if (forged !== null) {
        const { event, body, other } = forged;
        forged = null;
        const index = other === undefined ? 0 : draws.int(0, forgeries.length - 1);
        const name = forgeries[index] ?? '';
        return emit(event, FORGED + index, forgery(signing, name, body, other ?? body));
      }
      const body = nextGenuine();
      if (body === null) {
        const rest = later.shift();
        if (rest === undefined) return null;
        return emit(rest.event, DUPLICATE, deliveryOf(signing, rest.body));
      }
      const event = nextEvent;
      nextEvent += 1;
      if (chance(options.duplicatePercent)) {
        later.push({ due: count + draws.int(1, MAX_DUPLICATE_GAP), event, body });
        later.sort((a, b) => a.due - b.due);
      }
      if (chance(options.forgedPercent)) forged = { event, body, other: previousOrderEvent };
      if (queue.length === 0) previousOrderEvent = body;
      return emit(event, GENUINE, deliveryOf(signing, body));
    },
  };
}

function paymentStep(step: LifecycleStep): PaymentStep {
  if (!isPaymentStep(step)) throw new Error(`the load plan builds payments only, not a ${step.kind} step`);
  return step;
}
