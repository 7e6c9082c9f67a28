import { z } from 'zod';
import { GuaranteeIdSchema } from '../../contracts/guarantees.js';
import { LifecycleFactSchema } from '../../contracts/lifecycle.js';
import { OrderViewSchema } from '../../contracts/probe.js';
import { expectations, faultKinds } from '../../simulator/plan.js';
import { lifecycleKinds } from '../../simulator/world.js';

/**
 * What a scenario's run recorded: every request the harness made and what came back, and what the probe showed after
 * each phase. Checks are pure functions of a record (scenarios/judge/), so a saved record can be judged again offline
 * and unit tests build records by hand.
 */
export const AttemptRecordSchema = z.object({
  deliveryId: z.string(),
  eventId: z.string(),
  orderId: z.string(),
  label: z.string(),
  fault: z.object({ kind: z.enum(faultKinds), detail: z.string() }).nullable(),
  expect: z.enum(expectations),
  attempt: z.number().int().positive(),
  sentAt: z.number(),
  answeredAt: z.number(),
  statusCode: z.number().int().nullable(),
  outcome: z.enum(['ok', 'fail', 'info']),
  detail: z.string(),
});
export type AttemptRecord = z.infer<typeof AttemptRecordSchema>;

/** A probe call (PUT, GET or health) and its answer, in the order they were made. */
export const ProbeCallSchema = z.object({
  method: z.enum(['GET', 'PUT', 'POST']),
  path: z.string(),
  sentAt: z.number(),
  answeredAt: z.number(),
  status: z.number().int().nullable(),
  /** The first characters of the answer, or the error. */
  detail: z.string(),
});
export type ProbeCall = z.infer<typeof ProbeCallSchema>;

/** An order of the scenario: its terms and lifecycle, and its twin's id (null for an order without one). */
export const RecordedOrderSchema = z.object({
  orderId: z.string(),
  amountMinor: z.number().int(),
  currency: z.string(),
  lifecycle: z.enum(lifecycleKinds),
  twinId: z.string().nullable(),
  /** For a twin: the order it stands beside. */
  twinOf: z.string().nullable(),
});
export type RecordedOrder = z.infer<typeof RecordedOrderSchema>;

/**
 * What the probe showed for every order once the receiver had settled: `inbox` (it reported an empty inbox), `quiet`
 * (nothing changed for a quiet period), `timeout` (still changing, or events still pending, when the wait ran out:
 * the state is not judged), `error` (the probe could not be read: not judged either).
 */
export const SnapshotSchema = z.object({
  orders: z.record(z.string(), OrderViewSchema.nullable()),
  settledBy: z.enum(['inbox', 'quiet', 'timeout', 'error']),
  /** Why the wait ended without the receiver settling, or the probe's error. */
  detail: z.string().nullable(),
});
export type Snapshot = z.infer<typeof SnapshotSchema>;

export const PhaseRecordSchema = z.object({
  name: z.string(),
  /** Twins: the same events delivered plainly once, the reference the variant orders are compared with. */
  twins: z.boolean(),
  /** The deliveries the phase planned (their attempts are judged against their expectations). */
  deliveryIds: z.array(z.string()),
  /** The facts a correct receiver has applied once the phase is done (this phase's only). */
  applied: z.array(LifecycleFactSchema),
  /** A burst: its events, each judged by its last attempt, and every attempt's delivery id (retries included). */
  burst: z.object({ eventIds: z.array(z.string()), deliveryIds: z.array(z.string()) }).nullable(),
  snapshot: SnapshotSchema,
  health: z.object({ ok: z.boolean(), detail: z.string() }),
  /** What a scenario's own check needs from the phase (its observations), as JSON. */
  observations: z.unknown(),
});
export type PhaseRecord = z.infer<typeof PhaseRecordSchema>;

export const ScenarioRecordSchema = z.object({
  guarantee: GuaranteeIdSchema,
  provider: z.string(),
  startedAt: z.number(),
  endedAt: z.number(),
  /** `twin`: each order against its twin; `rule`: against the lifecycle rule only (the baseline, amounts, bursts). */
  judgement: z.enum(['twin', 'rule']),
  orders: z.array(RecordedOrderSchema),
  /** What the probe showed right after each order was created, before any event about it. */
  initial: SnapshotSchema,
  phases: z.array(PhaseRecordSchema),
  attempts: z.array(AttemptRecordSchema),
  probeCalls: z.array(ProbeCallSchema),
  /** Why the recording stopped early (the receiver went down, the probe failed, the time budget ran out); else null. */
  interrupted: z.string().nullable(),
});
export type ScenarioRecord = z.infer<typeof ScenarioRecordSchema>;
