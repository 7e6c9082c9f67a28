import { z } from 'zod';
import type { Provider } from '../../contracts/provider.js';
import type { GatewayEvent } from '../../simulator/events.js';
import { eventsOf } from '../../simulator/events.js';
import type { GatewayRequest } from '../../simulator/gateway/endpoint.js';
import type { GatewayCall } from '../../simulator/gateway/monitor.js';
import { listEndpoint } from '../../simulator/gateway/routes/index.js';
import { inSequence } from '../../simulator/plan.js';
import type { LifecycleKind } from '../../simulator/world.js';
import { defineScenario, type PhaseIo } from '../define.js';
import type { Finding } from '../verdict.js';
import { lifecyclesFor } from './helpers.js';

const lifecycles: readonly LifecycleKind[] = [
  'paid',
  'partially-refunded',
  'refunded-in-two-parts',
  'failed-then-paid',
];

/**
 * Events the gateway gives up on during the outage: more than the largest page of any gateway's list (Stripe: 100),
 * so a reconciler that reads only the first page misses some.
 */
export const WITHHELD_EVENTS = 130;
/** Share of the events withheld that the gateway's webhook still delivers after the reconcile (a manual resend). */
const REDELIVERED_SHARE = 0.25;
/** Passes asked for (`POST {probe}/reconcile`) until one answers 2xx: the first meets a failing list page. */
const RECONCILE_TRIES = 4;
/** The pause before the second pass, doubled before each later one (50, 100, 200 ms). */
const RECONCILE_RETRY_MS = 50;
/** Without `POST {probe}/reconcile`: how long a scheduled reconciler has to pass (settling then waits further). */
const SCHEDULED_WAIT_MS = 3_000;

/** What the recovery phase saw: the events withheld, the answers to the reconcile calls, the list calls made. */
const ReconcileObservationsSchema = z.object({
  kind: z.literal('reconcile'),
  list: z.string(),
  withheld: z.array(z.string()),
  redelivered: z.array(z.string()),
  answers: z.array(z.object({ status: z.number(), text: z.string() })),
  calls: z.array(z.object({ path: z.string(), status: z.number(), listed: z.number(), atMs: z.number() }).loose()),
  fetched: z.array(z.string()),
});
type ReconcileObservations = z.infer<typeof ReconcileObservationsSchema>;

/**
 * Reconciliation. The gateway delivers part of each order's events; then the receiver is unreachable for longer
 * than the gateway retries, and the gateway gives up on the rest (they never reach the receiver, as in a real outage
 * past the last retry; the schedule is the provider's, not waited out). The receiver comes back and reconciles
 * (`POST {probe}/reconcile`, or a scheduled pass), while the gateway's list fails one page after the first, once, as
 * real APIs do; then the webhook delivers a share of the withheld events after all. Every event must then be applied
 * exactly once: those fetched from the list, those redelivered, and those both.
 */
export const consistencyReconciled = defineScenario({
  guarantee: 'consistency.reconciled',
  judgement: 'rule',
  // A redelivery is a re-signed duplicate, possibly out of order, in any currency: those guarantees own what their
  // failures do here.
  dependsOn: ['idem.sequential', 'idem.resigned', 'order.final-state', 'consistency.amount'],
  needsGateway: true,
  diagnosis:
    "Reconcile from the gateway's event list: page through all of it (follow has_more, or the next link) from a durable cursor, a " +
    'little before the newest event you stored; store each event through the same inbox your webhook uses (so a ' +
    'redelivery is a no-op); move the cursor only after every page was read and stored, and retry a page that fails.',
  appliesTo: (provider) => listEndpoint(provider) !== undefined,
  judge: (record) => record.phases.flatMap((phase) => reconcileFindings(phase.name, phase.observations)),
  recap: (record) => record.phases.map((phase) => reconcileRecap(phase.observations)).find((r) => r !== null) ?? null,
  plan({ provider, world, signing, random }) {
    const playable = lifecyclesFor(provider, lifecycles);
    const orders = [];
    const delivered: GatewayEvent[] = [];
    const withheld: GatewayEvent[] = [];
    for (let i = 0; withheld.length < WITHHELD_EVENTS && i < WITHHELD_EVENTS * 4; i += 1) {
      const order = world.order(playable[i % playable.length] ?? 'paid');
      orders.push(order);
      const events = eventsOf(provider, order);
      // Part of the order's events before the outage (none, some, or all but the last), the rest after it.
      const cut = random.int(0, Math.max(0, events.length - 1));
      delivered.push(...events.slice(0, cut));
      withheld.push(...events.slice(cut));
    }
    const again = random.shuffle(withheld).slice(0, Math.ceil(withheld.length * REDELIVERED_SHARE));
    const list = listEndpoint(provider);
    const schedule = retrySchedule(provider);
    return {
      orders,
      phases: [
        {
          name: `before the outage: ${delivered.length} events delivered`,
          steps: inSequence(signing, delivered),
          applied: delivered,
        },
        {
          name:
            `the receiver unreachable past the gateway's last retry (${schedule}): ${withheld.length} events never ` +
            `delivered; then it reconciles from ${list?.name ?? 'the event list'} (one later page fails once), and ` +
            `${again.length} of them are delivered by the webhook after all`,
          steps: inSequence(signing, again),
          applied: withheld,
          drive: (io) =>
            recover(io, {
              provider: provider.id,
              list: list?.name ?? '',
              isLaterPage: list?.lists?.isLaterPage ?? (() => false),
              withheld: withheld.map((e) => e.eventId),
              redelivered: again.map((e) => e.eventId),
            }),
        },
      ],
    };
  },
});

/** The provider's retry schedule in words: `10 attempts over 3.3 days`. */
function retrySchedule(provider: Provider): string {
  const seconds = provider.retryScheduleSeconds.reduce((sum, s) => sum + s, 0);
  const days = seconds / 86_400;
  const span = days >= 1 ? `${days.toFixed(1)} days` : `${(seconds / 3_600).toFixed(1)} hours`;
  return `${provider.retryScheduleSeconds.length} retries over ${span}`;
}

async function recover(
  io: PhaseIo,
  plan: {
    readonly provider: string;
    readonly list: string;
    readonly isLaterPage: (request: GatewayRequest) => boolean;
    readonly withheld: string[];
    readonly redelivered: string[];
  },
): Promise<ReconcileObservations> {
  const firstCall = io.gateway?.calls().length ?? 0;
  io.gateway?.fail({ endpoint: plan.list, matching: plan.isLaterPage, status: 503, times: 1 });
  const answers: { status: number; text: string }[] = [];
  for (let i = 0; i < RECONCILE_TRIES && io.reconcile !== undefined; i += 1) {
    const answer = await io.reconcile(plan.provider).catch((error: unknown) => ({ status: 0, text: String(error) }));
    answers.push({ status: answer.status, text: answer.text.slice(0, 300) });
    if (answer.status >= 200 && answer.status < 300) break;
    if (answer.status === 404 || answer.status === 405) break;
    await io.sleep(RECONCILE_RETRY_MS * 2 ** i);
  }
  const offered = answers.some((a) => a.status >= 200 && a.status < 300);
  if (!offered) await io.sleep(SCHEDULED_WAIT_MS);
  const calls: GatewayCall[] = (io.gateway?.calls() ?? []).slice(firstCall).filter((c) => c.endpoint === plan.list);
  return {
    kind: 'reconcile',
    list: plan.list,
    withheld: plan.withheld,
    redelivered: plan.redelivered,
    answers,
    calls: calls.map((c) => ({ path: c.path, status: c.status, listed: c.listed.length, atMs: c.atMs })),
    fetched: [...new Set(calls.flatMap((c) => c.listed))],
  };
}

/**
 * Who recovered what after the outage, in one line: the withheld events fetched from the list, those only the webhook
 * redelivered, and the list calls (with the failed ones) the receiver made. Null for a phase without the observations.
 */
export function reconcileRecap(observations: unknown): string | null {
  const parsed = ReconcileObservationsSchema.safeParse(observations);
  if (!parsed.success) return null;
  const seen = parsed.data;
  const fetched = new Set(seen.fetched);
  const byList = seen.withheld.filter((id) => fetched.has(id)).length;
  const redelivered = new Set(seen.redelivered);
  const byWebhookOnly = seen.withheld.filter((id) => !fetched.has(id) && redelivered.has(id)).length;
  const failedCalls = seen.calls.filter((c) => c.status !== 200).length;
  return (
    `of the ${seen.withheld.length} events the gateway gave up on, ${byList} were recovered from ${seen.list} ` +
    `(${seen.calls.length} list calls, ${failedCalls} answered with an error) and ${byWebhookOnly} only by the ` +
    'webhook redelivered later'
  );
}

/**
 * The reconcile phase's own finding: the withheld events the receiver neither fetched from the list nor got from the
 * webhook, with the list calls it made. What it did with what it fetched (applied twice, not at all) is the state
 * check's, order by order.
 */
export function reconcileFindings(phase: string, observations: unknown): Finding[] {
  const parsed = ReconcileObservationsSchema.safeParse(observations);
  if (!parsed.success) return [];
  const seen = parsed.data;
  const reached = new Set([...seen.fetched, ...seen.redelivered]);
  const missing = seen.withheld.filter((id) => !reached.has(id));
  if (missing.length === 0) return [];
  const answered = seen.answers.map((a) => a.status).join(', ');
  const how =
    seen.answers.length === 0
      ? 'its probe cannot ask for a pass (no POST /reconcile)'
      : `POST {probe}/reconcile answered ${answered}`;
  const pages =
    seen.calls.length === 0
      ? `it made no call to ${seen.list}`
      : `its ${seen.calls.length} call(s) to ${seen.list} (${seen.calls
          .slice(0, 6)
          .map((c) => `${c.path} → ${c.status}, ${c.listed} listed`)
          .join('; ')}${seen.calls.length > 6 ? '; …' : ''}) never listed them`;
  const shown = missing.slice(0, 5).join(', ');
  return [
    {
      problem:
        `${missing.length} of the ${seen.withheld.length} events the gateway gave up on were never recovered: ` +
        `${how}, and ${pages} (${shown}${missing.length > 5 ? ', …' : ''})`,
      reason: 'reconcile.not-recovered',
      phase,
      orderId: null,
      deliveries: [],
      observed: null,
      expected: null,
      differences: [],
    },
  ];
}
