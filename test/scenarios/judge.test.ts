import { describe, expect, test } from 'vitest';
import type { LifecycleFact } from '../../contracts/lifecycle.js';
import type { OrderView } from '../../contracts/probe.js';
import { judgeLatency } from '../../scenarios/judge/latency.js';
import { safely } from '../../scenarios/judge/safely.js';
import { type JudgeContext, judgeScenario, plainRefusalFindings } from '../../scenarios/judge/scenario.js';
import {
  type AttemptRecord,
  type PhaseRecord,
  type ScenarioRecord,
  ScenarioRecordSchema,
} from '../../scenarios/record/run-record.js';

/**
 * The checks are pure functions of a recorded run: these records are written by hand (and parsed by the record's
 * schema, as a saved one would be), so each verdict and reason can be pinned without a receiver.
 */
const ORDER = 'ord_a';
const TWIN = 'ord_at';

const view = (status: OrderView['status'], extra: Partial<OrderView> = {}, orderId = ORDER): OrderView => ({
  orderId,
  status,
  amountPaid: status === 'paid' ? '50.00' : '0.00',
  amountRefunded: '0.00',
  currency: 'USD',
  fulfillments: status === 'paid' ? 1 : 0,
  refunds: 0,
  ...extra,
});

const fact = (orderId: string, eventId: string, kind: LifecycleFact['kind'], occurredAt: number): LifecycleFact => ({
  eventId,
  orderId,
  kind,
  amountMinor: 5000,
  currency: 'USD',
  occurredAt,
});

let n = 0;
const attempt = (over: Partial<AttemptRecord>): AttemptRecord => {
  n += 1;
  return {
    deliveryId: `dlv_${n}`,
    eventId: `evt_${n}`,
    orderId: ORDER,
    label: 'payment_intent.succeeded',
    fault: null,
    expect: 'accept',
    attempt: 1,
    sentAt: 1_000,
    answeredAt: 1_020,
    statusCode: 200,
    outcome: 'ok',
    detail: '{"received":true}',
    ...over,
  };
};

const phase = (over: Partial<PhaseRecord>): PhaseRecord => ({
  name: 'a phase',
  twins: false,
  deliveryIds: [],
  applied: [],
  burst: null,
  snapshot: { orders: {}, settledBy: 'inbox', detail: null },
  health: { ok: true, detail: '' },
  observations: null,
  ...over,
});

/** A duplicated-delivery scenario on one order with a twin: the twins phase, then the variant's phase. */
function record(options: {
  twinView?: OrderView;
  variantView?: OrderView;
  variantAttempts?: AttemptRecord[];
  settledBy?: 'inbox' | 'quiet' | 'timeout' | 'error';
  health?: { ok: boolean; detail: string };
}): ScenarioRecord {
  const twinFacts = [fact(TWIN, 'evt_t1', 'pending', 1), fact(TWIN, 'evt_t2', 'succeeded', 2)];
  const facts = [fact(ORDER, 'evt_1', 'pending', 1), fact(ORDER, 'evt_2', 'succeeded', 2)];
  const twinAttempts = [
    attempt({ orderId: TWIN, eventId: 'evt_t1', label: 'payment_intent.processing' }),
    attempt({ orderId: TWIN, eventId: 'evt_t2' }),
  ];
  const variantAttempts = options.variantAttempts ?? [
    attempt({ eventId: 'evt_1', label: 'payment_intent.processing' }),
    attempt({ eventId: 'evt_2' }),
    attempt({ eventId: 'evt_2', fault: { kind: 'duplicate', detail: 'copy 2 of 2' } }),
  ];
  const snapshot = {
    orders: { [ORDER]: options.variantView ?? view('paid'), [TWIN]: options.twinView ?? view('paid', {}, TWIN) },
    settledBy: options.settledBy ?? 'inbox',
    detail: options.settledBy === 'timeout' ? '3 events were still pending after 10 s' : null,
  };
  return ScenarioRecordSchema.parse({
    guarantee: 'idem.sequential',
    provider: 'stripe',
    startedAt: 0,
    endedAt: 2_000,
    judgement: 'twin',
    orders: [
      { orderId: ORDER, amountMinor: 5000, currency: 'USD', lifecycle: 'paid', twinId: TWIN, twinOf: null },
      { orderId: TWIN, amountMinor: 5000, currency: 'USD', lifecycle: 'paid', twinId: null, twinOf: ORDER },
    ],
    initial: {
      orders: { [ORDER]: view('awaiting_payment'), [TWIN]: view('awaiting_payment', {}, TWIN) },
      settledBy: 'quiet',
      detail: null,
    },
    phases: [
      phase({
        name: 'the twins',
        twins: true,
        deliveryIds: twinAttempts.map((a) => a.deliveryId),
        applied: twinFacts,
        snapshot,
      }),
      phase({
        name: 'every event twice',
        deliveryIds: variantAttempts.map((a) => a.deliveryId),
        applied: facts,
        snapshot,
        health: options.health ?? { ok: true, detail: '' },
      }),
    ],
    attempts: [...twinAttempts, ...variantAttempts],
    probeCalls: [],
    interrupted: null,
  });
}

const ctx: JudgeContext = {
  title: 'Sequential duplicates have one effect',
  diagnosis: 'dedupe',
  replay: 'replay idem.sequential',
  seed: 1,
  runStartedAt: 0,
  plainRefusalsElsewhere: true,
};

describe('judgeScenario', () => {
  test('an order that matches the rule, with a twin that does, passes', () => {
    const verdict = judgeScenario(record({}), ctx);
    expect(verdict.status).toBe('pass');
    expect(verdict.findings).toEqual([]);
    expect(verdict.timeline?.every((e) => e.judgement === 'expected' && !e.involved)).toBe(true);
  });

  test('an order fulfilled twice fails with the field that differs and the twin value beside it', () => {
    const verdict = judgeScenario(record({ variantView: view('paid', { fulfillments: 2 }) }), ctx);
    expect(verdict.status).toBe('fail');
    expect(verdict.findings.map((f) => f.reason)).toEqual(['state.differs']);
    expect(verdict.findings[0]?.differences).toEqual([{ field: 'fulfillments', observed: 2, expected: 1, twin: 1 }]);
    expect(verdict.findings[0]?.problem).toContain('fulfilled 2 times, expected once (its twin: 1)');
    expect(verdict.timeline?.filter((e) => e.involved).map((e) => e.orderId)).toEqual([ORDER, ORDER, ORDER]);
  });

  test('a twin that does not show the rule leaves its order unjudged: unknown, not failed', () => {
    const verdict = judgeScenario(
      record({ twinView: view('pending', {}, TWIN), variantView: view('paid', { fulfillments: 2 }) }),
      ctx,
    );
    expect(verdict.status).toBe('unknown');
    expect(verdict.findings).toEqual([]);
    expect(verdict.reason).toMatch(
      /order ord_a \(paid, USD\) is not judged: its twin ord_at.* shows status is pending, expected paid/,
    );
  });

  test('a wait that ran out with events pending judges no state: unknown, never lost', () => {
    const verdict = judgeScenario(record({ settledBy: 'timeout', variantView: view('pending') }), ctx);
    expect(verdict.status).toBe('unknown');
    expect(verdict.reason).toContain('3 events were still pending after 10 s');
  });

  test('a duplicate answered 409 is the scenario’s own refusal; the same event refused every time is the baseline’s', () => {
    const conflict = record({
      variantAttempts: [
        attempt({ eventId: 'evt_1', label: 'payment_intent.processing' }),
        attempt({ eventId: 'evt_2' }),
        attempt({
          eventId: 'evt_2',
          fault: { kind: 'duplicate', detail: 'copy 2 of 2' },
          statusCode: 409,
          outcome: 'fail',
          detail: '{"error":"duplicate"}',
        }),
      ],
    });
    const own = judgeScenario(conflict, ctx);
    expect(own.status).toBe('fail');
    expect(own.findings.map((f) => f.reason)).toEqual(['answer.refused-genuine']);
    expect(own.findings[0]?.problem).toContain('{"error":"duplicate"}');
    expect(plainRefusalFindings(conflict)).toEqual([]);

    const refused = (fault: AttemptRecord['fault']) =>
      attempt({ eventId: 'evt_2', fault, statusCode: 400, outcome: 'fail', detail: 'Unsupported event type' });
    const everyTime = record({
      variantAttempts: [
        attempt({ eventId: 'evt_1', label: 'payment_intent.processing' }),
        refused(null),
        refused({ kind: 'duplicate', detail: 'copy 2 of 2' }),
      ],
      variantView: view('pending'),
    });
    const handedOff = judgeScenario(everyTime, ctx);
    expect(handedOff.status).toBe('unknown');
    expect(handedOff.findings).toEqual([]);
    expect(plainRefusalFindings(everyTime).map((f) => f.reason)).toEqual([
      'answer.refused-genuine',
      'answer.refused-genuine',
    ]);
  });

  test('a forgery answered 200 fails through its answer alone; with a failed dependency it is not this guarantee’s', () => {
    const forged = record({
      variantAttempts: [
        attempt({ eventId: 'evt_1', label: 'payment_intent.processing' }),
        attempt({ eventId: 'evt_2' }),
        attempt({
          eventId: 'evt_2',
          fault: { kind: 'forged', detail: 'signed with the wrong secret' },
          expect: 'reject',
        }),
      ],
    });
    expect(judgeScenario(forged, ctx).findings.map((f) => f.reason)).toEqual(['answer.accepted-forged']);
    const dependent = judgeScenario(forged, { ...ctx, failedDependencies: ['auth.forged-rejected'] });
    expect(dependent.status).toBe('unknown');
    expect(dependent.reason).toContain('auth.forged-rejected failed');
  });

  test('a receiver that went down fails with the health finding naming the last delivery it answered', () => {
    const verdict = judgeScenario(
      record({
        variantAttempts: [
          attempt({ eventId: 'evt_1', label: 'payment_intent.processing' }),
          attempt({ eventId: 'evt_2', fault: { kind: 'malformed', detail: 'signed, not JSON' }, expect: 'survive' }),
          attempt({
            eventId: 'evt_2',
            statusCode: null,
            outcome: 'info',
            detail: 'ECONNREFUSED: connect ECONNREFUSED',
          }),
        ],
        health: { ok: false, detail: 'ECONNREFUSED' },
      }),
      ctx,
    );
    expect(verdict.status).toBe('fail');
    expect(verdict.findings.map((f) => f.reason)).toEqual(['health.down']);
    expect(verdict.findings[0]?.problem).toMatch(
      /the last delivery it answered was dlv_\d+ \(malformed: signed, not JSON\)/,
    );
  });

  test('genuine deliveries that timed out are liveness’s: their orders are not judged here', () => {
    const verdict = judgeScenario(
      record({
        variantAttempts: [
          attempt({ eventId: 'evt_1', label: 'payment_intent.processing' }),
          attempt({
            eventId: 'evt_2',
            statusCode: null,
            outcome: 'info',
            detail: 'TimeoutError: The operation was aborted due to timeout',
          }),
        ],
        variantView: view('pending'),
      }),
      ctx,
    );
    expect(verdict.status).toBe('unknown');
    expect(verdict.reason).toContain("1 genuine deliveries got no answer within the gateway's timeout");
    expect(verdict.timeline?.find((e) => e.statusCode === null)?.judgement).toBe('not-judged');
  });

  test('an exception inside a check makes that verdict unknown with the error, never the run', () => {
    const verdict = safely('idem.sequential', 'stripe', { seed: 1, replayCommand: (g) => g }, () =>
      judgeScenario(record({}), {
        ...ctx,
        own: () => {
          throw new Error('observations of an unexpected shape');
        },
      }),
    );
    expect(verdict.status).toBe('unknown');
    expect(verdict.reason).toContain('the check could not decide: Error: observations of an unexpected shape');
  });
});

describe('judgeLatency', () => {
  const context = { provider: 'stripe', timeoutMs: 10_000, title: 'Acknowledged', replay: 'r', seed: 1, durationMs: 1 };
  test('every genuine answer within the timeout passes, with percentiles as evidence', () => {
    const verdict = judgeLatency([attempt({ answeredAt: 1_030 }), attempt({ answeredAt: 1_200 })], context);
    expect(verdict.status).toBe('pass');
    expect(verdict.summary).toMatch(/p50 \d+ ms, p90 \d+ ms, p99 \d+ ms, max 200 ms over 2 answers/);
  });

  test('a genuine delivery that timed out fails it; a forged or abandoned one never does', () => {
    const slow = attempt({
      statusCode: null,
      outcome: 'info',
      detail: 'TimeoutError: aborted due to timeout',
      answeredAt: 11_000,
    });
    const abandoned = attempt({ expect: 'abandoned', statusCode: null, outcome: 'info', detail: 'TimeoutError: x' });
    const forged = attempt({ expect: 'reject', answeredAt: 60_000 });
    expect(judgeLatency([attempt({}), abandoned, forged], context).status).toBe('pass');
    const verdict = judgeLatency([attempt({}), slow], context);
    expect(verdict.status).toBe('fail');
    expect(verdict.findings.map((f) => f.reason)).toEqual(['latency.over-timeout']);
    expect(verdict.findings[0]?.deliveries.map((d) => d.deliveryId)).toEqual([slow.deliveryId]);
  });
});
