import type { Clock } from '../../contracts/clock.js';
import type { GuaranteeId } from '../../contracts/guarantees.js';
import { formatMinor } from '../../contracts/money.js';
import type { OrderView } from '../../contracts/probe.js';
import type { Provider } from '../../contracts/provider.js';
import type { HttpDeliverer } from '../../simulator/delivery/http.js';
import { eventsOf, type GatewayEvent } from '../../simulator/events.js';
import type { GatewayMonitor } from '../../simulator/gateway/monitor.js';
import type { DeliveryHistory } from '../../simulator/history.js';
import { inSequence, type SigningContext } from '../../simulator/plan.js';
import type { WorldOrder } from '../../simulator/world.js';
import { acknowledgedEvents, runBurst } from '../burst.js';
import type { ScenarioPhase, ScenarioPlan } from '../define.js';
import { timedOut } from '../judge/answers.js';
import { ruleView } from '../judge/state.js';
import type { ProbeClient } from '../probe-client.js';
import type { ReceiverProcess } from '../process/receiver-process.js';
import { readOrders, type SettleContext, settledSnapshot } from '../settle.js';
import type { PhaseRecord, ProbeCall, RecordedOrder, ScenarioRecord, Snapshot } from './run-record.js';

export interface RecordContext {
  readonly guarantee: GuaranteeId;
  readonly provider: Provider;
  readonly plan: ScenarioPlan;
  readonly judgement: 'twin' | 'rule';
  /** Variant orders' twins, delivered plainly first (none for rule-judged scenarios). */
  readonly twins: readonly { readonly variant: string; readonly twin: WorldOrder }[];
  /** The webhook URL, for a phase's own check. */
  readonly target: string;
  readonly signing: SigningContext;
  readonly probe: ProbeClient;
  /** The probe calls made since the scenario started (the run log's). */
  readonly probeCalls: () => readonly ProbeCall[];
  readonly deliverer: HttpDeliverer;
  readonly history: DeliveryHistory;
  readonly settle: SettleContext;
  readonly clock: Clock;
  readonly receiverProcess?: ReceiverProcess;
  readonly connections: number;
  readonly timeScale: number;
  /** Epoch ms after which the scenario stops early (the run's time budget). */
  readonly deadline: number;
  /** After each step: the attempts so far (progress, the live dashboard). */
  readonly onAttempts?: (attempts: number) => void;
  /** The run's fake gateway, when it started one: the API calls receivers made, and the outages it plays. */
  readonly gatewayMonitor?: GatewayMonitor;
}

/** Genuine deliveries in a row without an answer in time after which the scenario stops: the receiver is too slow. */
const TIMEOUTS_IN_A_ROW = 3;

/**
 * Plays a scenario's plan against the receiver and records everything: the orders created and what the probe showed
 * right after, the twins, then each phase's deliveries, health and settled state. It never judges (scenarios/judge/
 * does, from the record) and never throws for what the receiver does: a receiver that goes down, a probe that fails
 * or a time budget that runs out ends the recording early, with the reason.
 */
export async function recordScenario(ctx: RecordContext): Promise<ScenarioRecord> {
  const startedAt = ctx.clock();
  const twinOf = new Map(ctx.twins.map(({ variant, twin }) => [twin.orderId, variant]));
  const twinIdOf = new Map(ctx.twins.map(({ variant, twin }) => [variant, twin.orderId]));
  const twinOrders = ctx.twins.map(({ twin }) => twin);
  const orders: RecordedOrder[] = [...ctx.plan.orders, ...twinOrders].map((order) => ({
    orderId: order.orderId,
    amountMinor: order.amountMinor,
    currency: order.currency,
    lifecycle: order.lifecycle,
    twinId: twinIdOf.get(order.orderId) ?? null,
    twinOf: twinOf.get(order.orderId) ?? null,
  }));
  const ids = orders.map((o) => o.orderId);
  const phases: PhaseRecord[] = [];
  const record = (interrupted: string | null, initial: Snapshot): ScenarioRecord => ({
    guarantee: ctx.guarantee,
    provider: ctx.provider.id,
    startedAt,
    endedAt: ctx.clock(),
    judgement: ctx.judgement,
    orders,
    initial,
    phases,
    attempts: [...ctx.history.all()],
    probeCalls: [...ctx.probeCalls()],
    interrupted,
  });

  try {
    await Promise.all(
      [...ctx.plan.orders, ...twinOrders].map((order) =>
        ctx.probe.putOrder(order.orderId, {
          amount: formatMinor(order.amountMinor, order.currency),
          currency: order.currency,
        }),
      ),
    );
  } catch (error) {
    return record(`the orders could not be created through the probe: ${message(error)}`, emptySnapshot(error));
  }
  const initial = await readOrders(ctx.probe, ids);

  const twinEvents = twinOrders.flatMap((twin) => eventsOf(ctx.provider, twin));
  const planned: ScenarioPhase[] = [
    ...(twinEvents.length === 0
      ? []
      : [
          {
            name: 'the twins: the same events, each once, in order',
            steps: inSequence(ctx.signing, twinEvents),
            applied: twinEvents,
          },
        ]),
    ...ctx.plan.phases,
  ];
  const applied: GatewayEvent[] = [];
  for (const [index, phase] of planned.entries()) {
    if (ctx.clock() > ctx.deadline) {
      return record(`the run's time budget ran out before "${phase.name}"`, initial);
    }
    const before = ctx.history.all().length;
    const deliveryIds = phase.steps.flat().map((d) => d.id);
    let observations: unknown = null;
    let burst: PhaseRecord['burst'] = null;
    if (phase.burst !== undefined) {
      if (ctx.receiverProcess === undefined) {
        return record(`${ctx.guarantee} has a burst phase but the gauntlet did not start the receiver`, initial);
      }
      await runBurst(phase.burst, {
        deliverer: ctx.deliverer,
        history: ctx.history,
        signing: ctx.signing,
        process: ctx.receiverProcess,
        concurrency: ctx.connections,
        retryScheduleSeconds: ctx.provider.retryScheduleSeconds,
        timeScale: ctx.timeScale,
        sleep: ctx.settle.sleep,
        onAttempt: () => ctx.onAttempts?.(ctx.history.all().length),
      });
      burst = {
        eventIds: phase.burst.events.map((e) => e.eventId),
        deliveryIds: ctx.history
          .all()
          .slice(before)
          .map((a) => a.deliveryId),
      };
    }
    if (phase.drive !== undefined) {
      observations =
        (await phase.drive({
          target: ctx.target,
          clock: ctx.clock,
          sleep: ctx.settle.sleep,
          ...(ctx.gatewayMonitor === undefined ? {} : { gateway: ctx.gatewayMonitor }),
          ...(ctx.probe.reconcile === undefined ? {} : { reconcile: ctx.probe.reconcile.bind(ctx.probe) }),
          deliver: async (delivery) => {
            deliveryIds.push(delivery.id);
            const [attempt] = await ctx.deliverer.deliverStep([delivery]);
            ctx.onAttempts?.(ctx.history.all().length);
            if (attempt === undefined) throw new Error(`delivery ${delivery.id} was not attempted`);
            return attempt;
          },
        })) ?? null;
    }
    let slow = 0;
    for (const step of phase.steps) {
      const attempts = await ctx.deliverer.deliverStep(step);
      ctx.onAttempts?.(ctx.history.all().length);
      for (const attempt of attempts.filter((a) => a.expect === 'accept')) slow = timedOut(attempt) ? slow + 1 : 0;
      if (slow >= TIMEOUTS_IN_A_ROW || ctx.clock() > ctx.deadline) break;
    }
    const phaseApplied = [
      ...phase.applied,
      ...(phase.burst === undefined ? [] : acknowledgedEvents(phase.burst, ctx.history)),
    ];
    applied.push(...phaseApplied);
    const health = await healthOf(ctx.probe);
    const snapshot = health.ok ? await settle(ctx, orders, applied) : emptySnapshot(health.detail);
    phases.push({
      name: phase.name,
      twins: index === 0 && twinEvents.length > 0,
      deliveryIds,
      applied: phaseApplied.map((e) => e.fact),
      burst,
      snapshot,
      health,
      observations,
    });
    if (!health.ok) return record(`the receiver stopped answering after "${phase.name}"`, initial);
    if (slow >= TIMEOUTS_IN_A_ROW) {
      return record(
        `stopped after "${phase.name}": ${slow} genuine deliveries in a row got no answer within the gateway's timeout`,
        initial,
      );
    }
  }
  return record(null, initial);
}

async function healthOf(probe: ProbeClient): Promise<{ ok: boolean; detail: string }> {
  try {
    await probe.health();
    return { ok: true, detail: '' };
  } catch (error) {
    return { ok: false, detail: message(error) };
  }
}

/** The settled state of every order, waiting until it matches the rule over what was applied so far (or settles). */
function settle(ctx: RecordContext, orders: readonly RecordedOrder[], applied: readonly GatewayEvent[]) {
  const facts = applied.map((e) => e.fact);
  const expected = new Map<string, OrderView>(orders.map((o) => [o.orderId, ruleView(o, facts)]));
  return settledSnapshot(
    ctx.probe,
    orders.map((o) => o.orderId),
    (seen) => [...expected].every(([id, want]) => sameView(seen.get(id) ?? null, want)),
    ctx.settle,
  );
}

function sameView(seen: OrderView | null, want: OrderView): boolean {
  return (
    seen !== null &&
    seen.status === want.status &&
    seen.fulfillments === want.fulfillments &&
    seen.refunds === want.refunds &&
    Number(seen.amountPaid) === Number(want.amountPaid) &&
    Number(seen.amountRefunded) === Number(want.amountRefunded)
  );
}

function emptySnapshot(error: unknown): Snapshot {
  return { orders: {}, settledBy: 'error', detail: message(error) };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
