import { type Clock, unixSeconds } from '../../contracts/clock.js';
import { formatMinor } from '../../contracts/money.js';
import type { Provider } from '../../contracts/provider.js';
import { createHttpDeliverer, type HttpDeliverer } from '../../simulator/delivery/http.js';
import type { GatewayEvent } from '../../simulator/events.js';
import { type Attempt, DeliveryHistory } from '../../simulator/history.js';
import { createSigningContext } from '../../simulator/plan.js';
import { createRandom, deriveSeed } from '../../simulator/random.js';
import { createWorld, type WorldOrder } from '../../simulator/world.js';
import { answerFindings, summarize } from '../judge/answers.js';
import type { ProbeClient } from '../probe-client.js';
import type { SettleOptions } from '../settle.js';
import { orderStateCheck, type StateCheckOutcome } from '../state-check.js';
import type { Finding } from '../verdict.js';
import type { AttackerCanary } from './attacker-canary.js';
import { type MaterialStep, materialize } from './materialize.js';
import type { ExplorePlan } from './plan-model.js';
import { releaseOnSchedule } from './race-schedule.js';

/** Where and how one plan is played. */
export interface PlayOptions {
  readonly target: string;
  readonly probe: ProbeClient;
  readonly provider: Provider;
  readonly secret: string;
  readonly notificationUrl?: string;
  /** For postback providers: the fake gateway's key. */
  readonly gatewayKey?: string;
  /** For certificate schemes: the attacker's host the forged cert URLs name; any contact with it is a finding. */
  readonly canary?: Pick<AttackerCanary, 'host' | 'contacts'>;
  /** Letters and digits that make this play's order and event ids fresh. */
  readonly runId: string;
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
  readonly settle: SettleOptions;
}

/** One operation as played: what was sent and what came back. */
export interface PlayedStep {
  readonly step: MaterialStep;
  readonly attempts: readonly Attempt[];
}

export interface PlanOutcome {
  readonly status: 'pass' | 'fail';
  readonly findings: readonly Finding[];
  /** Why the orders' state could not be judged (the receiver did not settle in time), or null. Not a failure. */
  readonly unjudged: string | null;
  readonly steps: readonly PlayedStep[];
  readonly orders: readonly WorldOrder[];
  /** Each order's events, as the gateway sends them. */
  readonly events: readonly (readonly GatewayEvent[])[];
}

export const PHASE = 'the explored plan';

/**
 * Plays a plan against a receiver: creates its orders through the probe, sends each operation's requests in turn
 * (concurrent copies on their seeded race schedule), then applies the scenarios' checks: every answer against what its
 * delivery expects, the health check, and every order, once settled, against the lifecycle rule over the events a
 * correct receiver has applied (which also catches a side effect run twice).
 */
export async function playPlan(plan: ExplorePlan, options: PlayOptions): Promise<PlanOutcome> {
  const { provider, clock } = options;
  const random = createRandom(plan.worldSeed);
  const world = createWorld({
    random: random.fork('world'),
    runId: options.runId,
    startSeconds: unixSeconds(clock) - 3_600,
    ...(provider.payeeOf === undefined ? {} : { payee: options.secret }),
  });
  const signing = createSigningContext({
    provider,
    secret: options.secret,
    notificationUrl: options.notificationUrl ?? options.target,
    ...(options.gatewayKey === undefined ? {} : { gatewayKey: options.gatewayKey }),
    // Per play: what a forgery draws (Mollie ids never issued) is as fresh as the play's own ids, or a receiver that
    // saw it in an earlier play would take it for a duplicate. Reformats already draw per event id.
    random: random.fork(`signing:${options.runId}`),
    nowSeconds: () => unixSeconds(clock),
  });
  const material = materialize(plan, {
    provider,
    world,
    signing,
    ...(options.canary === undefined ? {} : { canary: options.canary.host }),
  });
  await Promise.all(
    material.orders.map((order) =>
      options.probe.putOrder(order.orderId, {
        amount: formatMinor(order.amountMinor, order.currency),
        currency: order.currency,
      }),
    ),
  );

  const history = new DeliveryHistory();
  const widest = Math.max(1, ...plan.ops.map((op) => (op.op === 'concurrent' ? op.copies : 1)));
  const deliverer = createHttpDeliverer({
    target: options.target,
    timeoutMs: provider.timeoutMs,
    connections: Math.max(16, widest),
    clock,
    history,
  });
  const steps: PlayedStep[] = [];
  const contactsBefore = options.canary?.contacts() ?? 0;
  try {
    for (const step of material.steps) {
      if (step.op.op === 'pause') await options.sleep(step.op.ms);
      steps.push({ step, attempts: await deliver(deliverer, step) });
    }
  } finally {
    await deliverer.close();
  }

  const contacts = (options.canary?.contacts() ?? 0) - contactsBefore;
  const health = await healthFindings(options.probe);
  // An order some of whose events were never delivered (a plan saved before the promise) has no state the rule fixes.
  const complete = material.orders.filter((_, i) =>
    (material.events[i] ?? []).every((e) => material.applied.some((a) => a.eventId === e.eventId)),
  );
  const incomplete = material.orders.filter((order) => !complete.includes(order));
  const state =
    health.length > 0 ? { findings: [], unjudged: null } : await stateCheck(complete, material, history, options);
  const findings: Finding[] = [
    ...answerFindings(
      PHASE,
      history.all(),
      history.all().map((a) => a.deliveryId),
    ),
    ...(contacts > 0 ? [canaryFinding(contacts, history.all())] : []),
    ...health,
    ...state.findings,
  ];
  const notJudged = [
    ...(state.unjudged === null ? [] : [state.unjudged]),
    ...(incomplete.length === 0
      ? []
      : [
          `${incomplete.map((o) => o.orderId).join(', ')}: not every event delivered, so the state is not judged ` +
            '(a gateway delivers every event at least once)',
        ]),
  ];
  return {
    status: findings.length === 0 ? 'pass' : 'fail',
    findings,
    unjudged: notJudged.length === 0 ? null : notJudged.join('; '),
    steps,
    orders: material.orders,
    events: material.events,
  };
}

/** The receiver reached the attacker's host while verifying the plan's deliveries (a certificate fetched from it). */
function canaryFinding(contacts: number, attempts: readonly Attempt[]): Finding {
  const forged = attempts.filter((a) => a.fault?.kind === 'forged');
  return {
    problem:
      `the receiver contacted the attacker's host ${contacts} time(s) during ${PHASE}: fetch certificates only from ` +
      "PayPal's hosts, checked by origin, never from a URL a delivery names",
    reason: 'canary.contacted',
    phase: PHASE,
    orderId: forged[0]?.orderId ?? null,
    deliveries: forged.map(summarize),
    observed: null,
    expected: null,
    differences: [],
  };
}

/** The receiver still answers its health check after the plan; a crash or a wedged process is a finding of its own. */
async function healthFindings(probe: ProbeClient): Promise<Finding[]> {
  try {
    await probe.health();
    return [];
  } catch (error) {
    return [
      {
        problem: `the receiver's health check failed after ${PHASE}: ${error instanceof Error ? error.message : String(error)}`,
        reason: 'health.down',
        phase: PHASE,
        orderId: null,
        deliveries: [],
        observed: null,
        expected: null,
        differences: [],
      },
    ];
  }
}

/** A step's requests; concurrent copies over warmed connections on their race schedule. */
async function deliver(deliverer: HttpDeliverer, step: MaterialStep): Promise<Attempt[]> {
  if (step.schedule === null) return deliverer.deliverStep(step.deliveries);
  await deliverer.warm?.(step.deliveries.length);
  return releaseOnSchedule(step.deliveries, step.schedule, (d) => deliverer.deliverStep([d]));
}

function stateCheck(
  orders: readonly WorldOrder[],
  material: { readonly applied: readonly GatewayEvent[] },
  history: DeliveryHistory,
  options: PlayOptions,
): Promise<StateCheckOutcome> {
  return orderStateCheck({
    orders,
    applied: material.applied.map((e) => e.fact),
    probe: options.probe,
    settle: { ...options.settle, clock: options.clock, sleep: options.sleep },
    attempts: history.all(),
    summarize,
    phase: PHASE,
  });
}

/** A run id for one play: letters and digits derived from the seed and the play's number, fresh for each play. */
export function playRunId(prefix: string, seed: number, play: number): string {
  return `${prefix}${deriveSeed(seed, 'explore').toString(36).slice(0, 3)}${play.toString(36)}`;
}
