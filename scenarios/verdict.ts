import { z } from 'zod';
import { GuaranteeIdSchema } from '../contracts/guarantees.js';
import { OrderViewSchema } from '../contracts/probe.js';
import { expectations } from '../simulator/plan.js';

/** Results are data: the same objects feed the console, `--json` and every later report. */
export const AttemptSummarySchema = z.object({
  deliveryId: z.string(),
  /** 1 for the first try of a delivery, 2+ for the gateway's retries of it. */
  attempt: z.number().int().positive(),
  eventId: z.string(),
  label: z.string(),
  fault: z.string().nullable(),
  expected: z.enum(expectations),
  statusCode: z.number().int().nullable(),
  outcome: z.enum(['ok', 'fail', 'info']),
  detail: z.string(),
  /**
   * For an attempt answered as a correct receiver would not: a curl command that sends its request again, byte for
   * byte (signed at the attempt's second, so send it within the provider's tolerance or the receiver rightly refuses).
   */
  reproduce: z.string().optional(),
});
export type AttemptSummary = z.infer<typeof AttemptSummarySchema>;

/** One attempt on the timeline; times are milliseconds since the run started. */
export const TimelineEntrySchema = z.object({
  deliveryId: z.string(),
  eventId: z.string(),
  orderId: z.string(),
  label: z.string(),
  /** What was done to the delivery (forged, duplicate, resigned, …), or null for a plain one. */
  faultKind: z.string().nullable(),
  fault: z.string().nullable(),
  expected: z.enum(expectations),
  /** 1 for the first try of a delivery, 2+ for a retry. */
  attempt: z.number().int().positive(),
  sentMs: z.number().nonnegative(),
  answeredMs: z.number().nonnegative(),
  statusCode: z.number().int().nullable(),
  outcome: z.enum(['ok', 'fail', 'info']),
  detail: z.string(),
  /**
   * What the checks made of this attempt, computed once here so every report shows the same: `expected` (the answer a
   * correct receiver gives), `unexpected` (a finding names it), `not-judged` (an abandoned attempt, whose answer the
   * gateway never read).
   */
  judgement: z.enum(['expected', 'unexpected', 'not-judged']),
  /** Whether a state finding lists this attempt among the deliveries of an order that ended wrong. */
  involved: z.boolean(),
});
export type TimelineEntry = z.infer<typeof TimelineEntrySchema>;

/**
 * Why a finding was made, as a stable code tests and tools can match on: an answer a correct receiver does not give,
 * a state that differs, the receiver down, a request the receiver should never have made.
 */
export const FindingReasonSchema = z.enum([
  'answer.refused-genuine',
  'answer.accepted-forged',
  'answer.crashed',
  'answer.timed-out',
  'state.differs',
  'state.changed-by-rejected',
  'health.down',
  'burst.not-acknowledged',
  'canary.contacted',
  'challenge.wrong',
  'challenge.oracle',
  'latency.over-timeout',
  'reconcile.not-recovered',
  'check.error',
]);
export type FindingReason = z.infer<typeof FindingReasonSchema>;

/** One field of an order that differs: what the probe showed, what a correct receiver shows, what the twin showed. */
export const FieldDifferenceSchema = z.object({
  field: z.string(),
  observed: z.unknown(),
  expected: z.unknown(),
  /** The same field on the twin order (the same events delivered plainly once), when the verdict compares with one. */
  twin: z.unknown().optional(),
});
export type FieldDifference = z.infer<typeof FieldDifferenceSchema>;

export const FindingSchema = z.object({
  /** What went wrong, in one sentence. */
  problem: z.string(),
  reason: FindingReasonSchema,
  phase: z.string(),
  orderId: z.string().nullable(),
  /** The deliveries involved (for an order: every delivery about it so far). */
  deliveries: z.array(AttemptSummarySchema),
  /** What the probe showed (null: 404 or unreadable). */
  observed: OrderViewSchema.nullable(),
  /** What the lifecycle rule says a correct receiver shows. */
  expected: OrderViewSchema.nullable(),
  /** Field by field, where `observed` and `expected` differ. */
  differences: z.array(FieldDifferenceSchema),
});
export type Finding = z.infer<typeof FindingSchema>;

export const VerdictSchema = z.object({
  guarantee: GuaranteeIdSchema,
  title: z.string(),
  provider: z.string(),
  /**
   * `pass`: every answer and every judged order as a correct receiver's; `fail`: a finding; `unknown`: not judged, or
   * only partly (the baseline it needs failed, deliveries timed out, the receiver was down, a check could not run) —
   * `reason` says why. Unknown never hides a finding: a verdict with findings fails.
   */
  status: z.enum(['pass', 'fail', 'unknown']),
  /** Why the verdict is unknown; null otherwise. */
  reason: z.string().nullable(),
  seed: z.number().int(),
  deliveries: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative(),
  /** One line: what was tried and what happened. */
  summary: z.string(),
  /** On failure: where to look in the receiver's code. */
  diagnosis: z.string().nullable(),
  findings: z.array(FindingSchema),
  /** The command that replays exactly this case. */
  replay: z.string(),
  /** Every attempt of the scenario (bounded), for the HTML report's timeline. */
  timeline: z.array(TimelineEntrySchema).optional(),
});
export type Verdict = z.infer<typeof VerdictSchema>;

export const RunReportSchema = z.object({
  tool: z.literal('ipn-gauntlet'),
  seed: z.number().int(),
  runId: z.string(),
  provider: z.string(),
  target: z.string(),
  probe: z.string(),
  /** What the receiver was judged as modelling (its profile), in one line. */
  profile: z.string().optional(),
  startedAt: z.string(),
  durationMs: z.number().nonnegative(),
  results: z.array(VerdictSchema),
});
export type RunReport = z.infer<typeof RunReportSchema>;
