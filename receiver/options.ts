import { z } from 'zod';
import type { Clock } from '../contracts/clock.js';
import { IpnError } from '../contracts/errors.js';
import { PROBE_TOKEN_ENV, PROBE_TOKEN_MIN_LENGTH } from '../contracts/probe.js';
import { providerIds, providers } from '../contracts/providers/index.js';
import { GatewaysSchema, GatewayUrlSchema } from './gateway-urls.js';
import { METRICS_TOKEN_ENV, METRICS_TOKEN_MIN_LENGTH } from './metrics.js';
import type { Reconciler } from './reconcile.js';
import type { ReceiverStorage } from './storage/storage.js';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** The server's default timeouts, in milliseconds (see the options below). */
export const DEFAULT_TIMEOUTS = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  connectionTimeoutMs: 60_000,
  keepAliveTimeoutMs: 72_000,
} as const;

/** The options of `buildReceiver`; the source of the `ReceiverOptions` type. */
export const ReceiverOptionsSchema = z
  .object({
    /** Endpoint secrets by provider id; a route is served for each provider that has one. */
    secrets: z.partialRecord(z.enum(providerIds), z.string()),
    /** The SQLite database file (created when missing); give this or `databaseUrl`. */
    dbFile: z.string().min(1, 'give a file path for the SQLite database').optional(),
    /** A PostgreSQL connection URL (`postgres://user:password@host:port/db`); several receivers may share it. */
    databaseUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'a PostgreSQL URL starts with postgres:// or postgresql://')
      .optional(),
    /** The PostgreSQL schema holding the receiver's tables (created when missing). */
    schema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a schema name of lowercase letters, digits and underscores')
      .default('ipn_receiver'),
    /** Milliseconds since the epoch; the signature tolerance and stored times read it. */
    clock: z
      .custom<Clock>((value) => typeof value === 'function', 'a function returning epoch milliseconds')
      .optional(),
    /** Fastify's pino logger: false (default), true, or pino options. */
    logger: z
      .union([z.boolean(), z.custom<object>((value) => typeof value === 'object' && value !== null, 'pino options')])
      .optional(),
    /**
     * The probe contract at `/ipn-probe` (the harness creates and reads orders through it), for test environments only:
     * absent, it is not served at all. Every call must carry `authorization: Bearer <token>`.
     */
    probe: z
      .object({
        token: z
          .string()
          .min(
            PROBE_TOKEN_MIN_LENGTH,
            `a probe token of at least ${PROBE_TOKEN_MIN_LENGTH} characters (ipn-gauntlet receiver: ${PROBE_TOKEN_ENV})`,
          )
          .refine((token) => token.trim() === token, 'a probe token without leading or trailing whitespace'),
      })
      .optional(),
    /**
     * `GET /metrics` only with `authorization: Bearer <token>` (Prometheus: `authorization.credentials_file` or
     * `bearer_token_file`); absent, the metrics are public, as counts without secrets, ids or addresses.
     */
    metrics: z
      .object({
        token: z
          .string()
          .min(
            METRICS_TOKEN_MIN_LENGTH,
            `a metrics token of at least ${METRICS_TOKEN_MIN_LENGTH} characters (ipn-gauntlet receiver: ${METRICS_TOKEN_ENV})`,
          )
          .refine((token) => token.trim() === token, 'a metrics token without leading or trailing whitespace'),
      })
      .optional(),
    /** Largest webhook or probe body accepted, bytes; larger ones are answered 413. */
    bodyLimit: z.number().int().positive().default(DEFAULT_BODY_LIMIT),
    /**
     * The server's timeouts (docs/decisions/0022-receiver-exposure.md), so stalled clients cannot hold connections open.
     * A gateway sends a delivery of a few KiB at once and waits at most 20 s (PayPal IPN) for the whole exchange, so none
     * of these is near a genuine delivery. `headersTimeoutMs`: from the connection opening (kept alive: from the request's
     * first byte) to the end of its headers.
     */
    headersTimeoutMs: z.number().int().positive().default(DEFAULT_TIMEOUTS.headersTimeoutMs),
    /** From the first byte to the last byte of the request body (the handler's own time does not count). */
    requestTimeoutMs: z.number().int().positive().default(DEFAULT_TIMEOUTS.requestTimeoutMs),
    /**
     * A socket silent this long is closed, also while its request is handled: longer than any answer takes (a postback,
     * a certificate or a fetch is bounded at 10 s each).
     */
    connectionTimeoutMs: z.number().int().positive().default(DEFAULT_TIMEOUTS.connectionTimeoutMs),
    /** An idle kept-alive connection is closed after this; above the 60 s idle timeout of common load balancers. */
    keepAliveTimeoutMs: z.number().int().positive().default(DEFAULT_TIMEOUTS.keepAliveTimeoutMs),
    /** How often the worker looks for pending inbox rows besides being woken by each delivery. */
    pollIntervalMs: z.number().int().positive().default(50),
    /** Attempts at applying an inbox row before it moves to dead letters. */
    maxAttempts: z.number().int().positive().default(5),
    /**
     * The payment gateway's base URL, for providers verified by asking it (its origin only): PayPal IPN posts back to
     * `/cgi-bin/webscr`, Mollie fetches `/v2/payments/{id}`, PayPal REST fetches certificates there instead of PayPal's
     * hosts. The fake gateway's URL under the gauntlet; live, give each provider its own in `gateways`.
     */
    gatewayUrl: GatewayUrlSchema.optional(),
    /**
     * A gateway per provider, overriding `gatewayUrl` for it: `paypal-ipn` (postback), `paypal-rest` (stands in for
     * PayPal's certificate hosts; unset with no `gatewayUrl`, certificates come from the host the cert URL names),
     * `mollie` (fetch). Live: `{ 'paypal-ipn': 'https://ipnpb.paypal.com', mollie: 'https://api.mollie.com' }`.
     */
    gateways: GatewaysSchema.optional(),
    /**
     * The base URL the gateway reaches this receiver at (behind any proxy), for schemes that sign the notification URL:
     * Square verifies with `{publicUrl}/webhooks/square`, the URL its subscription is registered under.
     */
    publicUrl: z
      .string()
      .regex(/^https?:\/\/[^/]+(\/[^?#]*)?$/, 'an http:// or https:// base URL without query or fragment')
      .transform((url) => url.replace(/\/+$/, ''))
      .optional(),
    /** How long a worker's claim on inbox rows lasts; after it, another worker (or process) may claim them. */
    leaseMs: z.number().int().positive().default(30_000),
    /** Wait before retrying a failed inbox row, doubling with each attempt; read on the injected clock. */
    retryBackoffMs: z.number().int().nonnegative().default(1_000),
    /** How long `app.inbox.drain()` waits for rows it cannot claim yet (another worker's, backing off). */
    drainTimeoutMs: z.number().int().positive().default(10_000),
    /**
     * Reconciliation: catching up from the gateway's event list on what its webhooks never delivered (an outage longer
     * than its retries). A provider is reconciled when its gateway lists events (Stripe) and it has an API key here.
     * Passes run on demand (the probe's `POST /ipn-probe/reconcile`, `ipn-gauntlet receiver reconcile`) and, with
     * `everyMs`, on a schedule.
     */
    reconcile: z
      .object({
        /**
         * The API key each provider's list is read with: Stripe's `sk_…` or restricted `rk_…` key; PayPal REST's app
         * credentials as `client_id:secret`.
         */
        apiKeys: z.partialRecord(z.enum(providerIds), z.string().regex(/^\S+$/, 'an API key without whitespace')),
        /**
         * Where every list is read (default: the provider's `gateways` entry, else `gatewayUrl`, else its live API:
         * https://api.stripe.com, https://api-m.paypal.com).
         */
        gatewayUrl: GatewayUrlSchema.optional(),
        /** Reconcile every this many milliseconds, besides on demand. */
        everyMs: z.number().int().min(1_000, 'at least 1000 ms between passes').optional(),
        /** Replaces the reference reconciler (tests plant broken ones). */
        strategy: z.custom<Reconciler>((value) => typeof value === 'function', 'a function').optional(),
      })
      .strict()
      .optional(),
    /** Wraps the opened storage (instrumentation, or a planted flaw in tests); the wrapper is closed in its place. */
    wrapStorage: z
      .custom<(storage: ReceiverStorage) => ReceiverStorage>((value) => typeof value === 'function', 'a function')
      .optional(),
  })
  .refine((options) => options.headersTimeoutMs <= options.requestTimeoutMs, {
    message: 'headersTimeoutMs is part of the request: at most requestTimeoutMs',
    path: ['headersTimeoutMs'],
  })
  .refine((options) => (options.dbFile === undefined) !== (options.databaseUrl === undefined), {
    message: 'give either dbFile (SQLite) or databaseUrl (PostgreSQL), not both',
    path: ['dbFile'],
  });

export type ReceiverOptions = z.input<typeof ReceiverOptionsSchema>;
export type ResolvedReceiverOptions = z.output<typeof ReceiverOptionsSchema>;

/** Validates the options or throws an `IpnError` naming what to fix. */
export function resolveReceiverOptions(options: ReceiverOptions): ResolvedReceiverOptions {
  const secrets: unknown = (options as { secrets?: unknown } | undefined)?.secrets;
  if (typeof secrets === 'object' && secrets !== null) {
    const unknown = Object.keys(secrets).filter((id) => !(providerIds as string[]).includes(id));
    if (unknown.length > 0) {
      throw new IpnError(
        'IPN_ERR_UNKNOWN_PROVIDER',
        `secrets were given for unknown providers (${unknown.join(', ')}); known: ${providerIds.join(', ')}.`,
      );
    }
  }
  const parsed = ReceiverOptionsSchema.safeParse(options);
  if (parsed.success) {
    requirePublicUrl(parsed.data);
    return parsed.data;
  }
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'options'}: ${issue.message}`);
  throw new IpnError('IPN_ERR_RECEIVER_OPTIONS', `invalid receiver options: ${problems.join('; ')}.`);
}

/** Fails fast when a provider that signs its notification URL (Square) is served without the URL to rebuild it from. */
function requirePublicUrl(options: ResolvedReceiverOptions): void {
  if (options.publicUrl !== undefined) return;
  const needing = providerIds.filter((id) => options.secrets[id] !== undefined && providers[id].signsNotificationUrl);
  const first = needing[0];
  if (first === undefined) return;
  const { title, route } = providers[first];
  throw new IpnError(
    'IPN_ERR_RECEIVER_OPTIONS',
    `${title} signs the notification URL, but the receiver has no publicUrl to rebuild it from.`,
    {
      hint:
        'Set publicUrl (ipn-gauntlet receiver: --public-url or IPN_GAUNTLET_PUBLIC_URL) to the base URL the gateway ' +
        `reaches this receiver at; register {publicUrl}/webhooks/${route} with ${title}.`,
    },
  );
}
