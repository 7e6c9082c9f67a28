import { eventsOf } from '../../simulator/events.js';
import type { LifecycleKind } from '../../simulator/world.js';
import { defineScenario, everyProvider } from '../define.js';
import { lifecyclesFor } from './helpers.js';

const lifecycles: readonly LifecycleKind[] = [
  'paid',
  'partially-refunded',
  'refunded-in-two-parts',
  'failed-then-paid',
  'subscription-renewed',
];

/** Share of the burst's events delivered once more after the restarts (the gateway delivers at least once). */
const REDELIVERED_SHARE = 0.1;

/**
 * A burst of events, many in flight, while the receiver is SIGKILLed at seeded points and restarted; the gateway
 * retries whatever got no answer. Then a restart, then a share of the events once more. Every event the receiver
 * acknowledged must be applied, and none twice: an acknowledgement sent before the commit, or a deduplication kept only
 * in memory, shows here.
 */
export const consistencyNoLoss = defineScenario({
  guarantee: 'consistency.no-loss',
  // Thousands of orders: judged by the rule where the baseline held, without twins; redeliveries are duplicates.
  judgement: 'rule',
  dependsOn: ['idem.sequential', 'consistency.amount'],
  diagnosis:
    'Answer 2xx only after the event is durably committed (the inbox insert and its commit come before the reply), ' +
    'and keep deduplication in the database, not in memory: a crash must lose nothing acknowledged and forget nothing seen.',
  appliesTo: everyProvider,
  needsReceiverProcess: true,
  plan({ provider, world, random, chaos }) {
    const playable = lifecyclesFor(provider, lifecycles);
    const orders = [];
    const events = [];
    for (let i = 0; events.length < chaos.burstEvents && playable.length > 0; i += 1) {
      const order = world.order(playable[i % playable.length] ?? 'paid');
      orders.push(order);
      events.push(...eventsOf(provider, order));
    }
    const burst = random.shuffle(events);
    const kills = new Set<number>();
    const killCount = Math.min(chaos.kills, Math.max(0, burst.length - 1));
    while (kills.size < killCount) kills.add(random.int(1, burst.length));
    const again = random.shuffle(burst).slice(0, Math.ceil(burst.length * REDELIVERED_SHARE));
    return {
      orders,
      phases: [
        {
          name: `a burst of ${burst.length} events with ${killCount} SIGKILLs, then a restart`,
          steps: [],
          applied: [],
          burst: { events: burst, kills: [...kills].sort((a, b) => a - b), restartBeforeCheck: true },
        },
        {
          name: `${again.length} events delivered again after the restarts`,
          steps: [],
          applied: [],
          burst: {
            events: again,
            kills: [],
            restartBeforeCheck: false,
            fault: { kind: 'duplicate', detail: 'delivered again after the receiver restarted' },
          },
        },
      ],
    };
  },
});
