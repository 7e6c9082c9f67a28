import { deliveryDeadLetterId, inboxDeadLetterId } from './dead-letter-id.js';
import type { DeadLetterDetail, DeadLetterSummary } from './storage.js';

/**
 * The dead letters as one row set, in SQL both backends run: dead inbox rows, and `dead_letters` rows that no inbox
 * row speaks for (dead-letter-id.ts). Columns: source, row_id, provider, event_id, reason, attempts, received_at.
 */
export const deadLettersSql = `
SELECT 'inbox' AS source, NULL AS row_id, provider, event_id, COALESCE(last_error, 'dead') AS reason, attempts,
       received_at
FROM inbox WHERE state = 'dead'
UNION ALL
SELECT 'delivery' AS source, d.id AS row_id, d.provider, d.event_id, d.reason, 0 AS attempts, d.received_at
FROM dead_letters d
WHERE NOT EXISTS (SELECT 1 FROM inbox i WHERE i.provider = d.provider AND i.event_id = d.event_id)`;

/** Newest first; ties in a fixed order, so pages neither repeat nor skip a row. */
export const deadLettersOrder = 'ORDER BY received_at DESC, source, row_id DESC, provider, event_id';

/** The `dead_letters` rows that are dead letters of their own (no inbox row speaks for them). */
export const ownDeliveryCondition =
  'NOT EXISTS (SELECT 1 FROM inbox i WHERE i.provider = dead_letters.provider AND i.event_id = dead_letters.event_id)';

/** A row of `deadLettersSql` as the drivers return it (PostgreSQL gives BIGINT as strings). */
export interface DeadLetterRow {
  readonly source: string;
  readonly row_id: number | string | null;
  readonly provider: string;
  readonly event_id: string | null;
  readonly reason: string;
  readonly attempts: number | string;
  readonly received_at: number | string;
}

export function toSummary(row: DeadLetterRow): DeadLetterSummary {
  const source = row.source === 'inbox' ? 'inbox' : 'delivery';
  return {
    id:
      source === 'inbox'
        ? inboxDeadLetterId(row.provider, row.event_id ?? '')
        : deliveryDeadLetterId(Number(row.row_id)),
    source,
    provider: row.provider,
    eventId: row.event_id,
    reason: row.reason,
    attempts: Number(row.attempts),
    receivedAtMs: Number(row.received_at),
  };
}

export function toDetail(
  row: DeadLetterRow & { readonly body: Uint8Array; readonly headers: unknown },
): DeadLetterDetail {
  const headers = typeof row.headers === 'string' ? (JSON.parse(row.headers) as unknown) : row.headers;
  return {
    ...toSummary(row),
    body: row.body,
    headers: typeof headers === 'object' && headers !== null ? (headers as Record<string, unknown>) : {},
  };
}
