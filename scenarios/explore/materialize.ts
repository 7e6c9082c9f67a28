import type { Provider } from '../../contracts/provider.js';
import { eventsOf, type GatewayEvent } from '../../simulator/events.js';
import { replayed, replayOffsets, rotated } from '../../simulator/faults/forge.js';
import { type MalformationKind, malformationKinds, malformedDelivery } from '../../simulator/faults/malformed.js';
import { reformatNames, reformatted } from '../../simulator/faults/reformat.js';
import {
  copiesOf,
  type Delivery,
  deliveryOf,
  deliveryWith,
  type FaultTag,
  type SignedAttempt,
  type Signer,
  type SigningContext,
} from '../../simulator/plan.js';
import { deriveSeed } from '../../simulator/random.js';
import type { World, WorldOrder } from '../../simulator/world.js';
import { exploreForgery } from './forgeries.js';
import type { ExploreOp, ExplorePlan } from './plan-model.js';
import { type RaceSchedule, raceSchedule } from './race-schedule.js';

/** One operation turned into deliveries when it is its turn; the deliverer signs them as they leave. */
export interface MaterialStep {
  readonly index: number;
  readonly op: ExploreOp;
  readonly deliveries: readonly Delivery[];
  /** For concurrent copies: when each leaves. */
  readonly schedule: RaceSchedule | null;
  /** Why the operation sends nothing here (a pause, or an operation this plan cannot express). */
  readonly note: string | null;
}

export interface Materialized {
  readonly orders: readonly WorldOrder[];
  /** Each order's events, as the gateway sends them. */
  readonly events: readonly (readonly GatewayEvent[])[];
  /** The plan's steps, built one at a time as the caller advances. */
  readonly steps: Iterable<MaterialStep>;
  /** The events a correct receiver has applied so far (filled in as the steps are built). */
  readonly applied: readonly GatewayEvent[];
}

export function materialize(
  plan: ExplorePlan,
  ctx: {
    provider: Provider;
    world: World;
    signing: SigningContext;
    /** The attacker's host (`127.0.0.1:port`) a certificate forgery names. */
    canary?: string;
  },
): Materialized {
  const orders = plan.orders.map((kind) => ctx.world.order(kind));
  const events = orders.map((order) => eventsOf(ctx.provider, order));
  const applied: GatewayEvent[] = [];
  return { orders, events, applied, steps: stepsOf(plan, ctx.provider, ctx.signing, events, applied, ctx.canary) };
}

function* stepsOf(
  plan: ExplorePlan,
  provider: Provider,
  signing: SigningContext,
  events: readonly (readonly GatewayEvent[])[],
  applied: GatewayEvent[],
  canary: string | undefined,
): Generator<MaterialStep> {
  const newestDelivered = new Map<string, number>();
  const isApplied = (event: GatewayEvent) => applied.some((e) => e.eventId === event.eventId);
  const apply = (event: GatewayEvent) => {
    if (!isApplied(event)) applied.push(event);
    newestDelivered.set(event.orderId, Math.max(newestDelivered.get(event.orderId) ?? 0, event.createdAt));
  };
  /** Each event's first plain delivery, signed once: a later plain delivery of the event sends the same bytes. */
  const plainSigners = new Map<string, Signer>();
  /**
   * A genuine delivery's own fault: sent again after another kind of delivery of its event (a new signature), or an
   * event older than one already delivered.
   */
  const genuineFault = (event: GatewayEvent): FaultTag | null => {
    if (isApplied(event)) return { kind: 'resigned', detail: 'delivered again, signed anew' };
    const newest = newestDelivered.get(event.orderId);
    return newest !== undefined && event.createdAt < newest
      ? { kind: 'reordered', detail: 'older than an event of its order already delivered' }
      : null;
  };

  for (const [index, op] of plan.ops.entries()) {
    const step = (deliveries: Delivery[], note: string | null = null, schedule: RaceSchedule | null = null) =>
      ({ index, op, deliveries, schedule, note }) satisfies MaterialStep;
    if (op.op === 'pause') {
      yield step([], `the gateway waits ${op.ms} ms`);
      continue;
    }
    const orderEvents = events[op.order % events.length] ?? [];
    const event = orderEvents[op.event % Math.max(1, orderEvents.length)];
    if (event === undefined) {
      yield step([], 'its order has no events');
      continue;
    }
    switch (op.op) {
      case 'deliver':
      case 'concurrent': {
        if (op.op === 'concurrent' && op.copies > 1) {
          const tags = Array.from({ length: op.copies }, (_, i) => ({
            kind: 'concurrent' as const,
            detail: `copy ${i + 1} of ${op.copies}`,
          }));
          const copies = copiesOf(signing, event, tags);
          apply(event);
          yield step(copies, null, raceSchedule(plan.worldSeed, String(index), op.copies));
          break;
        }
        const plain = plainSigners.get(event.eventId);
        if (plain !== undefined) {
          // The gateway sends the very same attempt again: the same bytes, signature and all.
          const fault = { kind: 'duplicate' as const, detail: 'the same bytes as its first delivery, again' };
          yield step([deliveryWith(event, signing.nextDeliveryId(), plain, { fault })]);
          break;
        }
        const fault = genuineFault(event);
        apply(event);
        const delivery = deliveryOf(signing, event, { fault });
        const once = signedOnce(delivery.sign);
        plainSigners.set(event.eventId, once);
        yield step([{ ...delivery, sign: once }]);
        break;
      }
      case 'resigned': {
        const past = provider.tolerance?.past ?? 180;
        const earlier = Math.max(1, Math.min(op.earlierBySeconds, Math.floor(past / 2)));
        apply(event);
        yield step([
          deliveryOf(signing, event, {
            timestampOffsetSeconds: -earlier,
            fault: { kind: 'resigned', detail: `re-signed, timestamp ${earlier}s apart` },
          }),
        ]);
        break;
      }
      case 'forged': {
        const other = events.flat().find((e) => e.eventId !== event.eventId) ?? event;
        const forged = exploreForgery({ signing, ...(canary === undefined ? {} : { canary }) }, op.name, event, other);
        yield typeof forged === 'string' ? step([], forged) : step([forged]);
        break;
      }
      case 'replayed': {
        const offset = replayOffsets(provider).find((r) => r.name === op.name);
        yield offset === undefined
          ? step([], `${provider.id} has no replay "${op.name}"`)
          : step([replayed(signing, event, offset)]);
        break;
      }
      case 'rotated':
        if (!provider.multipleSignatures) {
          yield step([], `${provider.id} sends one signature per delivery`);
          break;
        }
        apply(event);
        yield step([rotated(signing, event, op.valid)]);
        break;
      case 'reformatted':
        if (!reformatNames(provider).includes(op.name)) {
          yield step([], `${provider.id} has no reformat "${op.name}"`);
          break;
        }
        apply(event);
        yield step([reformatted(signing, event, op.name)]);
        break;
      case 'malformed': {
        const kind = malformationKinds.find((k): k is MalformationKind => k === op.kind);
        if (kind === undefined) {
          yield step([], `no malformation "${op.kind}"`);
        } else if (!isApplied(event)) {
          // A correct receiver may apply a well-signed body behind a bad content type: only garbage about an event
          // it already has leaves the expected state certain.
          yield step([], 'its event was not delivered before');
        } else {
          yield step([malformedDelivery(signing, event, kind, deriveSeed(op.draw, 'malformed'))]);
        }
        break;
      }
    }
  }
}

/** A signer that signs at its first call and gives the same attempt after. */
function signedOnce(signer: Signer): Signer {
  let signed: SignedAttempt | undefined;
  return (nowSeconds) => {
    signed ??= signer(nowSeconds);
    return signed;
  };
}
