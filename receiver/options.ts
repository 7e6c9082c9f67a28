import { z } from 'zod';
import type { Clock } from '../contracts/clock.js';
import { IpnError } from '../contracts/errors.js';
import { providerIds } from '../contracts/providers/index.js';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** The options of `buildReceiver`; the source of the `ReceiverOptions` type. */
export const ReceiverOptionsSchema = z.object({
  /** Endpoint secrets by provider id; a route is served for each provider that has one. */
  secrets: z.partialRecord(z.enum(providerIds), z.string()),
  /** The SQLite database file (created when missing). */
  dbFile: z.string().min(1, 'give a file path for the SQLite database'),
  /** Milliseconds since the epoch; the signature tolerance and stored times read it. */
  clock: z.custom<Clock>((value) => typeof value === 'function', 'a function returning epoch milliseconds').optional(),
  /** Fastify's pino logger: false (default), true, or pino options. */
  logger: z
    .union([z.boolean(), z.custom<object>((value) => typeof value === 'object' && value !== null, 'pino options')])
    .optional(),
  /** Largest webhook or probe body accepted, bytes; larger ones are answered 413. */
  bodyLimit: z.number().int().positive().default(DEFAULT_BODY_LIMIT),
  /** How often the worker looks for pending inbox rows besides being woken by each delivery. */
  pollIntervalMs: z.number().int().positive().default(50),
  /** Attempts at applying an inbox row before it moves to dead letters. */
  maxAttempts: z.number().int().positive().default(5),
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
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'options'}: ${issue.message}`);
  throw new IpnError('IPN_ERR_RECEIVER_OPTIONS', `invalid receiver options: ${problems.join('; ')}.`);
}
