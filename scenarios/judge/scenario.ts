import type { GuaranteeId } from '../../contracts/guarantees.js';
import { phrase } from '../compare.js';
import type { AttemptRecord, RecordedOrder, ScenarioRecord } from '../record/run-record.js';
import { MAX_TIMELINE_ENTRIES } from '../timeline.js';
import type { Finding, TimelineEntry, Verdict } from '../verdict.js';
import { answerFindings, ownRefusal, refusedGenuine, summarize, timedOut, unanswered } from './answers.js';
import { attemptsOf, factsThrough, ruleView, stateDifferences, twinProblem, twinView } from './state.js';

export interface JudgeContext {
  readonly title: string;
  readonly diagnosis: string;
  readonly replay: string;
  readonly seed: number;
  /** Times on the timeline count from here. */
  readonly runStartedAt: number;
  /**
   * Guarantees this one builds on that failed in this run: what they break shows here too (an effect applied twice, a
   * forgery accepted), so those findings are not this guarantee's to report; crashes and refusals still are.
   */
  readonly failedDependencies?: readonly GuaranteeId[];
  /** For orders judged by the rule alone: why an order cannot be judged (the baseline of its facts failed), or null. */
  readonly gate?: (order: RecordedOrder) => string | null;
  /** The scenario's own check over its record (X's CRC answers, the certificate canary), pure. */
  readonly own?: (record: ScenarioRecord) => Finding[];
  /** What the scenario saw, in words, added to a pass's summary (who recovered what after an outage). */
  readonly recap?: (record: ScenarioRecord) => string | null;
  /**
   * Plain genuine deliveries refused are the baseline's finding (`plainRefusalFindings`), not this scenario's: their
   * orders are left unjudged here. False for the baseline itself.
   */
  readonly plainRefusalsElsewhere?: boolean;
}

/**
 * A scenario's verdict from its record alone. `fail` when there is a finding; `unknown` when some order or phase
 * could not be judged (and nothing failed); `pass` when every answer and every order was judged and is as a correct
 * receiver's. Orders are judged against the lifecycle rule once their twin (or the baseline) shows the receiver
 * applies their events at all.
 */
export function judgeScenario(record: ScenarioRecord, ctx: JudgeContext): Verdict {
  const findings: Finding[] = [];
  const notJudged = new Set<string>();
  const dependencies = ctx.failedDependencies ?? [];
  if (dependencies.length > 0) {
    notJudged.add(`the state is not judged: ${dependencies.join(', ')} failed, and what it breaks shows here too`);
  }

  const timeouts = record.attempts.filter((a) => a.expect === 'accept' && timedOut(a));
  const timedOutOrders = new Set(timeouts.map((a) => a.orderId));
  if (timeouts.length > 0) {
    notJudged.add(
      `${timeouts.length} genuine deliveries got no answer within the gateway's timeout (see liveness.ack-latency), so what their orders show is not judged`,
    );
  }

  const handedOff = ctx.plainRefusalsElsewhere === true ? handedOffRefusals(record) : [];
  const handedOffKeys = new Set(handedOff.map((a) => `${a.deliveryId}:${a.attempt}`));
  const refusedOrders = new Set(handedOff.map((a) => a.orderId));
  if (handedOff.length > 0) {
    notJudged.add(
      `${handedOff.length} genuine deliveries sent as the gateway sends them were refused (see baseline.applied), so their orders are not judged`,
    );
  }
  let down = false;
  for (const [index, phase] of record.phases.entries()) {
    if (down) {
      notJudged.add(`${phase.name}: not judged, the receiver was down`);
      continue;
    }
    const answers = answerFindings(phase.name, record.attempts, phase.deliveryIds).filter(
      (f) =>
        !(dependencies.length > 0 && f.reason === 'answer.accepted-forged') &&
        !f.deliveries.every((d) => handedOffKeys.has(`${d.deliveryId}:${d.attempt}`)) &&
        // A receiver that went down refuses every connection after: its health finding says so, once.
        !(!phase.health.ok && f.deliveries.every((d) => d.statusCode === null && !/timeout/i.test(d.detail))),
    );
    findings.push(...answers);
    findings.push(...burstFindings(record, index));
    if (!phase.health.ok) {
      down = true;
      findings.push(healthFinding(record, index));
      continue;
    }
    if (phase.twins) continue;
    const { snapshot } = phase;
    if (snapshot.settledBy === 'timeout' || snapshot.settledBy === 'error') {
      notJudged.add(`${phase.name}: the state is not judged (${snapshot.detail ?? snapshot.settledBy})`);
      continue;
    }
    if (dependencies.length > 0) continue;
    for (const order of record.orders.filter((o) => o.twinOf === null)) {
      if (!(order.orderId in snapshot.orders)) continue;
      if (timedOutOrders.has(order.orderId) || refusedOrders.has(order.orderId)) continue;
      if (order.twinId !== null && refusedOrders.has(order.twinId)) continue;
      const finding = orderFinding(record, index, order, ctx, notJudged);
      if (finding !== null) findings.push(finding);
    }
  }
  findings.push(...(ctx.own?.(record) ?? []));
  if (record.interrupted !== null) notJudged.add(record.interrupted);

  const status = findings.length > 0 ? 'fail' : notJudged.size > 0 ? 'unknown' : 'pass';
  const total = record.attempts.length;
  const variants = record.orders.filter((o) => o.twinOf === null).length;
  const reason = notJudged.size === 0 ? null : [...notJudged].join('; ');
  return {
    guarantee: record.guarantee,
    title: ctx.title,
    provider: record.provider,
    status,
    reason: status === 'pass' ? null : reason,
    seed: ctx.seed,
    deliveries: total,
    durationMs: Math.max(0, record.endedAt - record.startedAt),
    summary:
      status === 'pass'
        ? `${total} deliveries over ${variants} orders: every answer and every order as expected${recapOf(record, ctx)}`
        : status === 'unknown'
          ? `not judged: ${reason ?? ''}`
          : `${findings[0]?.problem ?? ''}${findings.length > 1 ? ` (+${findings.length - 1} more)` : ''}`,
    diagnosis: status === 'fail' ? ctx.diagnosis : null,
    findings,
    replay: ctx.replay,
    timeline: timelineOf(record.attempts, findings, ctx.runStartedAt),
  };
}

function recapOf(record: ScenarioRecord, ctx: JudgeContext): string {
  const recap = ctx.recap?.(record) ?? null;
  return recap === null ? '' : `; ${recap}`;
}

/** What an order shows after a phase against what a correct receiver shows; null when it agrees or is not judged. */
function orderFinding(
  record: ScenarioRecord,
  index: number,
  order: RecordedOrder,
  ctx: JudgeContext,
  notJudged: Set<string>,
): Finding | null {
  const phase = record.phases[index];
  if (phase === undefined) return null;
  const observed = phase.snapshot.orders[order.orderId] ?? null;
  const facts = factsThrough(record, index, order.orderId);
  const evidence = attemptsOf(record.attempts, order.orderId).map(summarize);
  if (facts.length === 0) {
    // Nothing genuine about it yet: it must look as it did when it was created, whatever the receiver calls that.
    const initial = record.initial.orders[order.orderId];
    if (initial === undefined || record.initial.settledBy === 'error') return null;
    if (initial === null) return null;
    const differences = stateDifferences(observed, initial, undefined);
    if (differences.length === 0) return null;
    return {
      problem: `order ${order.orderId} changed after ${phase.name}, where nothing should apply: ${differences.map(phrase).join('; ')}`,
      reason: 'state.changed-by-rejected',
      phase: phase.name,
      orderId: order.orderId,
      deliveries: evidence,
      observed,
      expected: initial,
      differences,
    };
  }
  const blocked = record.judgement === 'twin' ? twinProblem(record, order) : (ctx.gate?.(order) ?? null);
  if (blocked !== null) {
    notJudged.add(`order ${order.orderId} (${order.lifecycle}, ${order.currency}) is not judged: ${blocked}`);
    return null;
  }
  const expected = ruleView(order, facts);
  const twin = record.judgement === 'twin' ? twinView(record, order) : undefined;
  const differences = stateDifferences(observed, expected, twin);
  if (differences.length === 0) return null;
  return {
    problem: `order ${order.orderId} after ${phase.name}: ${differences.map(phrase).join('; ')}`,
    reason: 'state.differs',
    phase: phase.name,
    orderId: order.orderId,
    deliveries: evidence,
    observed,
    expected,
    differences,
  };
}

/** A burst's events judged by their last attempt: the gateway retried until an answer, so only that one counts. */
function burstFindings(record: ScenarioRecord, index: number): Finding[] {
  const phase = record.phases[index];
  if (phase?.burst === undefined || phase.burst === null) return [];
  const inBurst = new Set(phase.burst.eventIds);
  const ids = new Set(phase.burst.deliveryIds);
  const last = new Map<string, AttemptRecord>();
  const count = new Map<string, number>();
  for (const attempt of record.attempts) {
    if (!inBurst.has(attempt.eventId) || !ids.has(attempt.deliveryId)) continue;
    last.set(attempt.eventId, attempt);
    count.set(attempt.eventId, (count.get(attempt.eventId) ?? 0) + 1);
  }
  const findings: Finding[] = [];
  for (const [eventId, attempt] of last) {
    if (attempt.outcome === 'ok') continue;
    const tries = count.get(eventId) ?? 1;
    findings.push({
      problem:
        attempt.outcome === 'fail'
          ? `a genuine delivery was refused after ${tries} attempts: ${attempt.statusCode} ${attempt.detail}`
          : `the gateway gave up after ${tries} attempts without a 2xx: ${attempt.statusCode ?? attempt.detail}`,
      reason: attempt.outcome === 'fail' ? 'answer.refused-genuine' : 'burst.not-acknowledged',
      phase: phase.name,
      orderId: attempt.orderId,
      deliveries: [summarize(attempt)],
      observed: null,
      expected: null,
      differences: [],
    });
  }
  return findings;
}

/** The receiver stopped answering its health check after a phase: the request that was the last it answered, and the first it did not. */
function healthFinding(record: ScenarioRecord, index: number): Finding {
  const phase = record.phases[index];
  const ids = new Set(phase?.deliveryIds ?? []);
  const inPhase = record.attempts.filter((a) => ids.has(a.deliveryId));
  const firstUnanswered = inPhase.findIndex(unanswered);
  const around =
    firstUnanswered < 0 ? inPhase.slice(-3) : inPhase.slice(Math.max(0, firstUnanswered - 2), firstUnanswered + 1);
  const culprit = firstUnanswered > 0 ? inPhase[firstUnanswered - 1] : undefined;
  return {
    problem:
      `the receiver's health check failed after ${phase?.name ?? 'a phase'}: ${phase?.health.detail ?? ''}` +
      (culprit === undefined
        ? ''
        : `; the last delivery it answered was ${culprit.deliveryId} (${culprit.fault === null ? culprit.label : `${culprit.fault.kind}: ${culprit.fault.detail}`})`),
    reason: 'health.down',
    phase: phase?.name ?? '',
    orderId: null,
    deliveries: around.map(summarize),
    observed: null,
    expected: null,
    differences: [],
  };
}

/** Every attempt as the timeline shows it, with the checks' judgement of it computed here, once. */
function timelineOf(
  attempts: readonly AttemptRecord[],
  findings: readonly Finding[],
  runStartedAt: number,
): TimelineEntry[] {
  const unexpected = new Set(
    findings
      .filter((f) => f.reason.startsWith('answer.') || f.reason.startsWith('burst.') || f.reason === 'health.down')
      .flatMap((f) => f.deliveries.map((d) => `${d.deliveryId}:${d.attempt}`)),
  );
  const involved = new Set(findings.filter((f) => f.reason.startsWith('state.')).map((f) => f.orderId));
  return attempts.slice(0, MAX_TIMELINE_ENTRIES).map((a) => ({
    deliveryId: a.deliveryId,
    eventId: a.eventId,
    orderId: a.orderId,
    label: a.label,
    faultKind: a.fault?.kind ?? null,
    fault: a.fault?.detail ?? null,
    expected: a.expect,
    attempt: a.attempt,
    sentMs: Math.max(0, a.sentAt - runStartedAt),
    answeredMs: Math.max(0, a.answeredAt - runStartedAt),
    statusCode: a.statusCode,
    outcome: a.outcome,
    detail: a.detail,
    judgement:
      a.expect === 'abandoned' || (a.expect === 'accept' && timedOut(a))
        ? 'not-judged'
        : unexpected.has(`${a.deliveryId}:${a.attempt}`)
          ? 'unexpected'
          : 'expected',
    involved: involved.has(a.orderId),
  }));
}

/**
 * The plain genuine deliveries a scenario's receiver refused, as findings of `baseline.applied`: the same root cause
 * wherever it shows, reported once.
 */
export function plainRefusalFindings(record: ScenarioRecord): Finding[] {
  return handedOffRefusals(record).map((a) => ({
    problem: `a genuine ${a.label}, sent as the gateway sends it during ${record.guarantee}, was refused with ${a.statusCode ?? a.detail}${a.statusCode === null || a.detail === '' ? '' : `: ${a.detail}`}`,
    reason: 'answer.refused-genuine' as const,
    phase: record.guarantee,
    orderId: a.orderId,
    deliveries: [summarize(a)],
    observed: null,
    expected: null,
    differences: [],
  }));
}

/** The genuine attempts a scenario's receiver refused for what they are, not for what the scenario did to them. */
function handedOffRefusals(record: ScenarioRecord): AttemptRecord[] {
  return record.attempts.filter((a) => refusedGenuine(a) && !ownRefusal(a, record));
}
