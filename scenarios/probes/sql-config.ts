import { z } from 'zod';
import { OrderStatusSchema } from '../../contracts/probe.js';

/** The receiver's status words, each mapped to the probe contract's: `{ complete: "paid", open: "awaiting_payment" }`. */
export const StatusWordsSchema = z.record(
  z.string().min(1, { error: 'expected a status word' }),
  z.enum(OrderStatusSchema.options, { error: `expected a contract status: ${OrderStatusSchema.options.join(', ')}` }),
  { error: 'expected an object mapping the receiver\'s words to contract statuses, such as { "complete": "paid" }' },
);
export type StatusWords = z.infer<typeof StatusWordsSchema>;

const SqlTextSchema = z
  .string({ error: 'expected SQL as a string' })
  .refine((sql) => sql.trim() !== '', { error: 'expected SQL, got an empty string' });

/**
 * A SQL probe: the receiver's own database and the SQL that creates an order the harness names and reads it back in
 * the probe contract's terms (README, "Probes without server code").
 */
export const SqlProbeSettingsSchema = z.strictObject(
  {
    /** `postgres://…`, `mysql://…`, `sqlite:PATH` or `file:PATH` (a relative path starts at the config file). */
    url: z.string({ error: 'expected the database URL as a string' }).min(1, { error: 'expected the database URL' }),
    /**
     * Creates the order (one statement, or several run in one transaction, e.g. for NOT NULL columns of other tables),
     * with `:orderId`, `:amount` (a decimal string), `:amountMinor` (whole minor units) and `:currency`. Repeating it
     * for the same order must be harmless (`ON CONFLICT DO NOTHING`, `INSERT OR IGNORE`, `INSERT IGNORE`).
     */
    create: z.union([SqlTextSchema, z.array(SqlTextSchema).min(1, { error: 'expected at least one statement' })], {
      error: 'expected SQL, or a list of SQL statements',
    }),
    /**
     * One row for `:orderId` (none when the order is unknown), its columns named as the contract's fields: `status`,
     * `amountPaid`, `amountRefunded`, `currency`, `fulfillments`, `refunds`.
     */
    read: SqlTextSchema,
    /** One row, one column: how many received events are not applied yet (lets the harness wait exactly). */
    pending: SqlTextSchema.optional(),
    /** The receiver's status words → the contract's. */
    statuses: StatusWordsSchema.optional(),
    /** The read row's amounts are whole minor units (cents) rather than decimals of major units. */
    amountsInMinorUnits: z.boolean({ error: 'expected true or false' }).optional(),
  },
  { error: 'expected an object such as { url, create, read }' },
);
export type SqlProbeSettings = z.infer<typeof SqlProbeSettingsSchema>;

/** The keys a SQL probe's settings take, for "unknown key" messages. */
export const sqlProbeKeys = Object.keys(SqlProbeSettingsSchema.shape);
