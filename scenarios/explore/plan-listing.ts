import { formatMinor } from '../../contracts/money.js';
import type { OrderView } from '../../contracts/probe.js';
import type { Attempt } from '../../simulator/history.js';
import type { ExploreOp } from './plan-model.js';
import type { PlanOutcome } from './play-plan.js';
import { departure } from './race-schedule.js';

/**
 * A played plan for a person: the orders, then every delivery numbered in the order it left, with its fault, what a
 * correct receiver answers and what this one answered; then, per order, what the probe showed against the lifecycle
 * rule, and the problems found.
 */
export function planListing(outcome: PlanOutcome): string[] {
  const lines: string[] = ['Orders:'];
  outcome.orders.forEach((order, i) => {
    lines.push(
      `  ${String.fromCharCode(65 + i)}. ${order.orderId}  ${order.lifecycle}, ${formatMinor(order.amountMinor, order.currency)} ${order.currency}`,
    );
  });
  const letter = (orderId: string) => {
    const i = outcome.orders.findIndex((o) => o.orderId === orderId);
    return i < 0 ? '?' : String.fromCharCode(65 + i);
  };

  lines.push('Deliveries:');
  let number = 0;
  for (const { step, attempts } of outcome.steps) {
    if (step.note !== null) {
      lines.push(`     (${describeOp(step.op)}: ${step.note})`);
      continue;
    }
    const together = attempts.length > 1 ? ` — released together on a seeded schedule` : '';
    step.deliveries.forEach((delivery, i) => {
      number += 1;
      const attempt = attempts.find((a) => a.deliveryId === delivery.id);
      const fault = delivery.fault === null ? 'genuine' : `${delivery.fault.kind}: ${delivery.fault.detail}`;
      const turn = step.schedule === null ? '' : `, leaves ${ordinal(departure(step.schedule, i))}`;
      lines.push(
        `  ${String(number).padStart(2)}. ${delivery.label} (order ${letter(delivery.orderId)})  [${fault}${turn}]  ` +
          `expect ${delivery.expect} → ${answerOf(attempt)}${i === 0 ? together : ''}`,
      );
    });
  }

  lines.push('Probe vs lifecycle rule:');
  for (const order of outcome.orders) {
    const finding = outcome.findings.find((f) => f.orderId === order.orderId && f.expected !== null);
    if (finding === undefined) {
      lines.push(`  ${letter(order.orderId)}. as the rule says`);
      continue;
    }
    lines.push(`  ${letter(order.orderId)}. probe: ${viewText(finding.observed)}`);
    lines.push(`     rule:  ${viewText(finding.expected)}`);
  }
  const problems = outcome.findings.map((f) => f.problem);
  if (problems.length > 0) {
    lines.push('Problems:');
    for (const problem of problems) lines.push(`  - ${problem}`);
  }
  return lines;
}

function answerOf(attempt: Attempt | undefined): string {
  if (attempt === undefined) return 'not sent';
  const answer = attempt.statusCode === null ? attempt.detail : String(attempt.statusCode);
  const fits =
    attempt.expect === 'accept'
      ? attempt.outcome === 'ok'
      : attempt.expect === 'reject'
        ? attempt.outcome !== 'ok'
        : attempt.outcome !== 'info';
  return `${answer}${fits ? '' : '  ✘ WRONG ANSWER'}`;
}

function viewText(view: OrderView | null): string {
  if (view === null) return 'nothing (404)';
  return (
    `${view.status}, paid ${view.amountPaid} ${view.currency}, refunded ${view.amountRefunded}, ` +
    `fulfilled ${view.fulfillments}×, ${view.refunds} refund${view.refunds === 1 ? '' : 's'} run`
  );
}

/** An operation in a few words, for notes and summaries. */
export function describeOp(op: ExploreOp): string {
  switch (op.op) {
    case 'pause':
      return `pause ${op.ms} ms`;
    case 'deliver':
      return `deliver event ${op.event} of order ${op.order}`;
    case 'concurrent':
      return `${op.copies} concurrent copies of event ${op.event} of order ${op.order}`;
    case 'resigned':
      return `re-signed event ${op.event} of order ${op.order}`;
    case 'forged':
    case 'replayed':
    case 'reformatted':
      return `${op.op} (${op.name}) event ${op.event} of order ${op.order}`;
    case 'rotated':
      return `rotated (valid ${op.valid}) event ${op.event} of order ${op.order}`;
    case 'malformed':
      return `malformed (${op.kind}) event ${op.event} of order ${op.order}`;
  }
}

function ordinal(n: number): string {
  const suffix =
    n % 10 === 1 && n !== 11 ? 'st' : n % 10 === 2 && n !== 12 ? 'nd' : n % 10 === 3 && n !== 13 ? 'rd' : 'th';
  return `${n}${suffix}`;
}
