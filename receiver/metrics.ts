import { createHash, timingSafeEqual } from 'node:crypto';
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

/** Where `ipn-gauntlet receiver` reads the metrics token from; unset, `/metrics` is public. */
export const METRICS_TOKEN_ENV = 'IPN_GAUNTLET_METRICS_TOKEN';
/** The shortest metrics token the receiver accepts. */
export const METRICS_TOKEN_MIN_LENGTH = 16;

export interface MetricsRouteOptions {
  readonly metrics: ReceiverMetrics;
  /** When set, every scrape must carry `authorization: Bearer <token>`. */
  readonly token?: string | undefined;
}

/**
 * `GET /metrics` in the Prometheus text format. With a token, a scrape without `authorization: Bearer <token>`
 * (compared in constant time) is a 401 that discloses nothing; Prometheus sends it from `authorization.credentials_file`
 * (or `bearer_token_file`) in the scrape config.
 */
export const metricsRoute: FastifyPluginAsync<MetricsRouteOptions> = async (app, { metrics, token }) => {
  const expected = token === undefined ? undefined : digest(`Bearer ${token}`);
  app.get('/metrics', async (request, reply) => {
    if (expected !== undefined) {
      const given = request.headers.authorization;
      if (typeof given !== 'string' || !timingSafeEqual(digest(given), expected)) {
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer realm="metrics"')
          .send({
            error: 'metrics_unauthorized',
            message: `the metrics need authorization: Bearer <token>, the token this receiver was started with (${METRICS_TOKEN_ENV})`,
          });
      }
    }
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
};

/** Both sides hashed first, so the comparison takes the same time whatever the lengths. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
