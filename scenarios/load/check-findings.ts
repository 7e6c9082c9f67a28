import type { LoadCheck } from './report.js';

/**
 * What a failed load check found, in one line per kind, each with its count and the first few items: for the places
 * that show only a verdict (a benchmark row), so a `check fail` always comes with what failed. Empty when it passed.
 */
export function checkFindings(check: LoadCheck, shown = 3): string[] {
  if (check.status === 'pass') return [];
  const lines: string[] = [];
  if (check.reason !== null) lines.push(check.reason);
  const more = (count: number, listed: number) => (count > listed ? `, … (${count} in all)` : '');
  const orders = (label: string, problems: LoadCheck['appliedTwice']) => {
    if (problems.count === 0) return;
    const first = problems.orders.slice(0, shown).map((o) => `${o.orderId}: ${o.problem}`);
    lines.push(`${label} ${problems.count}: ${first.join('; ')}${more(problems.count, first.length)}`);
  };
  if (check.lost.count > 0) {
    const first = check.lost.events.slice(0, shown).map((e) => `${e.eventId} (${e.orderId}, ${e.kind}): ${e.problem}`);
    lines.push(`lost ${check.lost.count}: ${first.join('; ')}${more(check.lost.count, first.length)}`);
  }
  orders('applied twice', check.appliedTwice);
  orders('amount mismatch', check.amountMismatch);
  orders('out of order', check.outOfOrder);
  orders('unexplained', check.unexplained);
  if (check.forgedAccepted.count > 0) {
    const first = check.forgedAccepted.deliveries
      .slice(0, shown)
      .map((d) => `delivery ${d.delivery} ${d.forgery} → ${d.statusCode}`);
    lines.push(
      `forged accepted ${check.forgedAccepted.count}: ${first.join('; ')}${more(check.forgedAccepted.count, first.length)}`,
    );
  }
  return lines;
}
