import { keyProblem } from './storable-text.js';

/**
 * The stable id of a dead letter, the same on SQLite and PostgreSQL:
 *
 * - `inbox:<provider>:<eventId>` — an inbox event that is dead (its processing failed `maxAttempts` times, or it can
 *   never be applied). Provider ids hold no colon, so everything after the second colon is the event id.
 * - `delivery:<n>` — row `n` of `dead_letters`: a signed delivery that could not be stored as an event (malformed body,
 *   an envelope failing the schema, no event id, a payee that is not ours).
 *
 * Moving an inbox event to dead letters also copies it into `dead_letters` (for operators reading the table); such a
 * copy, and any `dead_letters` row whose provider and event id an inbox row holds, is not a dead letter of its own: the
 * inbox row speaks for it (dead, or stored and applied since).
 */
export type DeadLetterRef =
  | { readonly source: 'inbox'; readonly provider: string; readonly eventId: string }
  | { readonly source: 'delivery'; readonly row: number };

export function inboxDeadLetterId(provider: string, eventId: string): string {
  return `inbox:${provider}:${eventId}`;
}

export function deliveryDeadLetterId(row: number): string {
  return `delivery:${row}`;
}

/** The row an id names, or null for a string that is no dead-letter id. */
export function parseDeadLetterId(id: string): DeadLetterRef | null {
  const delivery = /^delivery:([1-9]\d{0,14})$/.exec(id);
  if (delivery?.[1] !== undefined) return { source: 'delivery', row: Number(delivery[1]) };
  const inbox = /^inbox:([^:]+):(.+)$/s.exec(id);
  // An event id no inbox row can have (storable-text.ts) names nothing, on both backends alike.
  if (inbox?.[1] !== undefined && inbox[2] !== undefined && keyProblem(inbox[2]) === null)
    return { source: 'inbox', provider: inbox[1], eventId: inbox[2] };
  return null;
}
