import type { FastifyPluginAsync } from 'fastify';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The receiver's Prometheus metrics, in a registry of its own (two receivers in one process never share counters).
 * Deliveries are counted by provider and outcome from each webhook answer; verification failures by reason; the inbox
 * depth and dead letters are read from storage when scraped; processing latency is observed by the worker.
 */
export interface ReceiverMetrics {
  readonly registry: Registry;
  /** One webhook answer: `outcome` is `accepted`, `duplicate`, `dead_letter`, `rejected` or `error`. */
  delivery(provider: string, outcome: DeliveryOutcome): void;
  verificationFailure(provider: string, reason: string): void;
  /** Seconds from an event's arrival to its application by the worker. */
  processed(provider: string, seconds: number): void;
}

export type DeliveryOutcome = 'accepted' | 'duplicate' | 'dead_letter' | 'rejected' | 'unavailable' | 'error';

export interface MetricsSources {
  pendingCount(): Promise<number>;
  deadLetterCount(): Promise<number>;
}

export function createReceiverMetrics(sources: MetricsSources): ReceiverMetrics {
  const registry = new Registry();
  const deliveries = new Counter({
    name: 'ipn_receiver_deliveries_total',
    help: 'Webhook deliveries answered, by provider and outcome.',
    labelNames: ['provider', 'outcome'] as const,
    registers: [registry],
  });
  const failures = new Counter({
    name: 'ipn_receiver_verification_failures_total',
    help: 'Deliveries whose signature or postback did not verify, by provider and reason.',
    labelNames: ['provider', 'reason'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'ipn_receiver_processing_seconds',
    help: 'Time from an event being stored to the worker applying it.',
    labelNames: ['provider'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  new Gauge({
    name: 'ipn_receiver_inbox_pending',
    help: 'Events stored and acknowledged but not yet applied.',
    registers: [registry],
    async collect() {
      this.set(await sources.pendingCount());
    },
  });
  new Gauge({
    name: 'ipn_receiver_dead_letters',
    help: 'Deliveries and events kept aside because they can never be applied.',
    registers: [registry],
    async collect() {
      this.set(await sources.deadLetterCount());
    },
  });
  return {
    registry,
    delivery: (provider, outcome) => deliveries.inc({ provider, outcome }),
    verificationFailure: (provider, reason) => failures.inc({ provider, reason }),
    processed: (provider, seconds) => latency.observe({ provider }, seconds),
  };
}

/** `GET /metrics` in the Prometheus text format. */
export const metricsRoute: FastifyPluginAsync<{ metrics: ReceiverMetrics }> = async (app, { metrics }) => {
  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
};
