import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { GuaranteeId } from '../../contracts/guarantees.js';
import { buildDashboard } from '../../scenarios/ui/dashboard-app.js';
import { LiveFeed } from '../../scenarios/ui/live-feed.js';
import { type RunReport, type TimelineEntry, type Verdict, VerdictSchema } from '../../scenarios/verdict.js';
import { launchChromium } from '../support/chromium.js';
import { listenOnLoopback } from '../support/listen.js';
import { screenshot } from './page-support.js';

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

const verdict = (
  provider: string,
  guarantee: GuaranteeId,
  status: Verdict['status'],
  reason: string | null = null,
): Verdict =>
  VerdictSchema.parse({
    guarantee,
    title: guarantee,
    provider,
    status,
    reason,
    seed: 5,
    deliveries: 1,
    durationMs: 3,
    summary: status === 'unknown' ? `not judged: ${reason}` : `${guarantee} ${status}`,
    diagnosis: null,
    findings: [],
    replay: `npx ipn-gauntlet run --provider ${provider} --seed 5 --only ${guarantee}`,
    timeline: [],
  });
const entry: TimelineEntry = {
  deliveryId: 'dlv_0001',
  eventId: 'evt_1',
  orderId: 'ord_1',
  label: 'payment completed',
  faultKind: null,
  fault: null,
  expected: 'accept',
  attempt: 1,
  sentMs: 10,
  answeredMs: 14,
  statusCode: 200,
  outcome: 'ok',
  detail: 'OK',
  judgement: 'expected',
  involved: false,
};
const run = (provider: string) =>
  ({
    type: 'run',
    provider,
    target: `http://127.0.0.1:1/${provider}`,
    seed: 5,
    runId: 'r1',
    startedAt: 'now',
  }) as const;

/** What each grid cell says, by `provider/guarantee`: its status and its text. */
function cells(page: Page): Promise<Record<string, string>> {
  return page
    .getByTestId('cell')
    .evaluateAll((tds) =>
      Object.fromEntries(
        tds.map((td) => [
          `${td.getAttribute('data-provider')}/${td.getAttribute('data-guarantee')}`,
          `${td.getAttribute('data-status')}: ${td.textContent}`,
        ]),
      ),
    );
}

test('the live grid tells running, not run yet, not run, not applicable and unknown apart (never one "—")', async () => {
  const feed = new LiveFeed();
  const app = buildDashboard(feed);
  const base = await listenOnLoopback(app);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(`${base}/`);
    const unknownReason = 'the state is not judged: idem.sequential failed, and what it breaks shows here too';
    const stripe = [
      verdict('stripe', 'baseline.applied', 'pass'),
      verdict('stripe', 'auth.forged-rejected', 'unknown', unknownReason),
      verdict('stripe', 'idem.sequential', 'pass'),
    ];
    feed.publish(run('stripe'));
    for (const v of stripe) feed.publish({ type: 'verdict', provider: 'stripe', verdict: v });
    feed.publish(run('paypal-ipn'));
    feed.publish({ type: 'attempt', provider: 'paypal-ipn', guarantee: 'baseline.applied', entry });
    const paypalVerified = verdict('paypal-ipn', 'auth.verified-postback', 'fail');
    feed.publish({ type: 'verdict', provider: 'paypal-ipn', verdict: paypalVerified });

    await expect
      .poll(() => cells(page), { timeout: 10_000 })
      .toEqual({
        'stripe/baseline.applied': 'pass: PASS',
        'paypal-ipn/baseline.applied': 'running: running',
        'stripe/auth.forged-rejected': 'unknown: UNKNOWN',
        // PayPal IPN verifies by postback: no forgery scenario applies to it.
        'paypal-ipn/auth.forged-rejected': 'not-applicable: not applicable',
        'stripe/idem.sequential': 'pass: PASS',
        'paypal-ipn/idem.sequential': 'not-run-yet: not run yet',
        'stripe/auth.verified-postback': 'not-applicable: not applicable',
        'paypal-ipn/auth.verified-postback': 'fail: FAIL',
      });
    expect(await page.getByTestId('summary').textContent()).toBe('2 held, 1 broken, 1 not judged, 1 running');
    const unknown = page.locator('[data-testid=verdict][data-provider=stripe][data-guarantee="auth.forged-rejected"]');
    expect(await unknown.getAttribute('title')).toBe(`not judged: ${unknownReason}`);
    expect(
      await page
        .locator('[data-testid=unknown][data-guarantee="auth.forged-rejected"] [data-testid=unknown-reason]')
        .textContent(),
    ).toBe(unknownReason);
    await screenshot(page, 'dashboard-live-cells');

    const paypalBaseline = verdict('paypal-ipn', 'baseline.applied', 'pass');
    const reports: RunReport[] = [
      {
        tool: 'ipn-gauntlet',
        seed: 5,
        runId: 'r1',
        provider: 'stripe',
        target: 'x',
        probe: 'y',
        startedAt: 'now',
        durationMs: 9,
        results: stripe,
      },
      {
        ...{ tool: 'ipn-gauntlet', seed: 5, runId: 'r1', provider: 'paypal-ipn', target: 'x', probe: 'y' },
        ...{ startedAt: 'now', durationMs: 9, results: [paypalBaseline, paypalVerified] },
      },
    ];
    feed.publish({ type: 'done', reports });
    await page.waitForSelector('body[data-finished=true]');
    const done = await cells(page);
    expect(done['paypal-ipn/idem.sequential']).toBe('not-run: not run');
    expect(done['paypal-ipn/baseline.applied']).toBe('pass: PASS');
    expect(
      await page
        .locator('[data-testid=cell][data-provider=paypal-ipn][data-guarantee="idem.sequential"] span')
        .getAttribute('title'),
    ).toBe('not run in this run (not selected with --only)');
    expect(Object.values(done).some((text) => text.includes('—'))).toBe(false);
  } finally {
    await page.close();
    await app.close();
  }
}, 60_000);
