import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type RunReport, RunReportSchema, type TimelineEntry } from '../../scenarios/verdict.js';
import { launchChromium } from '../support/chromium.js';
import { openReportPage, pageDir } from './page-support.js';
import { screenshotAgainstExpected } from './screenshot-expectation.js';

let browser: Browser;
let files: Awaited<ReturnType<typeof pageDir>>;

beforeAll(async () => {
  browser = await launchChromium();
  files = await pageDir();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await files?.remove();
});

type Mark = readonly [
  sentMs: number,
  answeredMs: number,
  TimelineEntry['outcome'],
  TimelineEntry['judgement'],
  boolean,
];
/** Plain deliveries (no letter, so no font in the picture) at fixed times: every colour and ring, two stacked. */
const MARKS: readonly Mark[] = [
  [0, 100, 'ok', 'expected', false],
  [50, 150, 'ok', 'unexpected', false],
  [200, 320, 'fail', 'expected', false],
  [210, 300, 'info', 'not-judged', false],
  [400, 520, 'ok', 'expected', true],
  [600, 700, 'fail', 'unexpected', true],
  [800, 1000, 'info', 'expected', false],
];

function reportOf(marks: readonly Mark[]): RunReport {
  const timeline = marks.map(([sentMs, answeredMs, outcome, judgement, involved], i) => ({
    deliveryId: `dlv_${i + 1}`,
    eventId: `evt_${i + 1}`,
    orderId: involved ? 'ord_wrong' : `ord_${i + 1}`,
    label: 'payment completed',
    faultKind: null,
    fault: null,
    expected: 'accept',
    attempt: 1,
    sentMs,
    answeredMs,
    statusCode: outcome === 'ok' ? 200 : outcome === 'fail' ? 400 : 500,
    outcome,
    detail: 'OK',
    judgement,
    involved,
  }));
  return RunReportSchema.parse({
    tool: 'ipn-gauntlet',
    seed: 1,
    runId: 'shot',
    provider: 'stripe',
    target: 'http://127.0.0.1:3000/webhooks/stripe',
    probe: 'http://127.0.0.1:3000/ipn-probe',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1000,
    results: [
      {
        guarantee: 'idem.sequential',
        title: 'Sequential duplicates have one effect',
        provider: 'stripe',
        status: 'fail',
        reason: null,
        seed: 1,
        deliveries: timeline.length,
        durationMs: 1000,
        summary: 'order ord_wrong fulfilled twice',
        diagnosis: null,
        findings: [],
        replay: 'npx ipn-gauntlet run --provider stripe --seed 1 --only idem.sequential',
        timeline,
      },
    ],
  });
}

/** The lane at 1× zoom against `expected/timeline-lane.png` (saved as `actual` for a look). */
async function laneShot(report: RunReport, actual: string) {
  const page = await openReportPage(browser, join(files.dir, `${actual}.html`), [report], { width: 1280 });
  try {
    await page.selectOption('[data-testid=zoom]', '1');
    return await screenshotAgainstExpected(browser, page.getByTestId('lane'), 'timeline-lane', actual);
  } finally {
    await page.close();
  }
}

test('a timeline lane looks as expected: colours by answer, red and amber rings, dashed not judged, stacked marks', async () => {
  const shot = await laneShot(reportOf(MARKS), 'timeline-lane.actual');
  expect(shot.size).toBe(shot.expectedSize);
  expect(shot.differing).toBeLessThan(0.005);
}, 60_000);

test('the comparison catches a mark drawn in another colour and without its ring', async () => {
  // The sixth delivery answered 2xx and judged as expected: its colour and ring change, nothing else.
  const changed = MARKS.map((m, i): Mark => (i === 5 ? [m[0], m[1], 'ok', 'expected', m[4]] : m));
  const shot = await laneShot(reportOf(changed), 'timeline-lane.changed');
  expect(shot.size).toBe(shot.expectedSize);
  expect(shot.differing).toBeGreaterThan(0.01);
}, 60_000);
