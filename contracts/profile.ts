import { z } from 'zod';
import { FactKindSchema } from './lifecycle.js';
import { CurrencySchema } from './money.js';
import { OrderStatusSchema } from './probe.js';

/**
 * What the receiver under test models, so the gauntlet judges only that: the facts it handles, the gateway's event
 * families it subscribes to, where it finds the order in an event, the form of its order ids, the currencies it sells
 * in, and its own status words. Events of facts or families it does not model are not sent as if they mattered
 * (`compat.unhandled-events` sends some, and expects a 2xx that changes nothing).
 */
export const ReceiverProfileSchema = z.strictObject({
  /** The facts it models (default: every fact the provider's default family expresses). */
  facts: z
    .array(FactKindSchema, { error: 'expected a list of facts such as ["succeeded", "refunded"]' })
    .min(1, { error: 'expected at least one fact' })
    .optional(),
  /**
   * The event families it handles, by the provider's family ids (`payment_intent`, `checkout`, `subscription`,
   * `dispute` for Stripe; `ipn-gauntlet guarantees --families` lists them); default: the provider's default family.
   */
  families: z
    .array(z.string().min(1), { error: 'expected a list of family ids such as ["checkout", "subscription"]' })
    .min(1, { error: 'expected at least one family' })
    .optional(),
  /**
   * Where its code reads the order reference in an event, as a dotted path from the event's root
   * (`data.object.client_reference_id`, `data.object.metadata.orderId`, `custom`); the gauntlet writes the order id
   * there too. Default: the provider's own field (`provider.orderIdField`).
   */
  orderRef: z
    .string({ error: 'expected a dotted path such as "data.object.client_reference_id"' })
    .regex(/^[A-Za-z_$][\w$-]*(\[\d+\])?(\.[A-Za-z_$][\w$-]*(\[\d+\])?)*$/, {
      error: 'expected a dotted path such as "data.object.metadata.order_id" (indexes as [0])',
    })
    .optional(),
  /** The form of its order ids: the gauntlet's own (`prefixed`, ord_<run>_001), a UUID, or a positive integer. */
  orderIds: z.enum(['prefixed', 'uuid', 'integer'], { error: 'expected prefixed, uuid or integer' }).optional(),
  /** The currencies it sells in (default: the gauntlet's mix, which includes zero- and three-decimal ones). */
  currencies: z
    .array(CurrencySchema, { error: 'expected a list of ISO 4217 codes such as ["USD", "EUR"]' })
    .min(1)
    .optional(),
  /** Its status words, each mapped to the probe contract's (`{ complete: "paid", open: "awaiting_payment" }`). */
  statuses: z
    .record(z.string().min(1), OrderStatusSchema, { error: 'expected { "its word": "a contract status" }' })
    .optional(),
});
export type ReceiverProfile = z.infer<typeof ReceiverProfileSchema>;
