import { z } from 'zod';
import { GuaranteeIdSchema } from '../contracts/guarantees.js';
import { OrderViewSchema } from '../contracts/probe.js';
import { expectations } from '../simulator/plan.js';

/** Results are data: the same objects feed the console, `--json` and every later report. */
export const AttemptSummarySchema = z.object({
  deliveryId: z.string(),
  eventId: z.string(),
  label: z.string(),
  fault: z.string().nullable(),
  expected: z.enum(expectations),
  statusCode: z.number().int().nullable(),
  outcome: z.enum(['ok', 'fail', 'info']),
  detail: z.string(),
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
});
export type TimelineEntry = z.infer<typeof TimelineEntrySchema>;

export const FindingSchema = z.object({
  /** What went wrong, in one sentence. */
  problem: z.string(),
  phase: z.string(),
  orderId: z.string().nullable(),
  /** The deliveries involved (for an order: every delivery about it so far). */
  deliveries: z.array(AttemptSummarySchema),
  /** What the probe showed (null: 404 or unreadable). */
  observed: OrderViewSchema.nullable(),
  /** What the lifecycle rule says a correct receiver shows. */
  expected: OrderViewSchema.nullable(),
});
export type Finding = z.infer<typeof FindingSchema>;

export const VerdictSchema = z.object({
  guarantee: GuaranteeIdSchema,
  title: z.string(),
  provider: z.string(),
  status: z.enum(['pass', 'fail']),
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
  startedAt: z.string(),
  durationMs: z.number().nonnegative(),
  results: z.array(VerdictSchema),
});
export type RunReport = z.infer<typeof RunReportSchema>;
