import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { main } from '../../scenarios/cli/main.js';
import { writeHtmlReport } from '../../scenarios/report/html.js';
import { type RunReport, RunReportSchema } from '../../scenarios/verdict.js';
import { buildFlawedReceiver } from '../fixtures/flawed-receiver.js';
import { launchChromium, screenshotDir } from '../support/chromium.js';
import { fakeIo } from '../support/fake-io.js';
import { listenOnLoopback } from '../support/listen.js';

const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(5));
let browser: Browser;
let dir: string;

beforeAll(async () => {
  browser = await launchChromium();
  dir = await mkdtemp(join(tmpdir(), 'ipn-ui-report-'));
}, 60_000);
afterAll(async () => {
  await browser?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** Runs two guarantees against a receiver that fulfills mismatched payments, writing --json and --html. */
async function flawedRun(): Promise<{ html: string; report: RunReport }> {
  const app = buildFlawedReceiver({ provider: 'stripe', secret, flaw: 'no-amount-check' });
  const base = await listenOnLoopback(app);
  try {
    const html = join(dir, 'report.html');
    const json = join(dir, 'report.json');
    const { io } = fakeIo({ IPN_GAUNTLET_SECRET: secret });
    const code = await main(
      [
        'run',
        ...['--target', `${base}/webhooks/stripe`, '--probe', `${base}/ipn-probe`, '--provider', 'stripe'],
        ...['--seed', '4321', '--only', 'consistency.amount,idem.sequential', '--html', html, '--json', json],
      ],
      io,
    );
    expect(code).toBe(1);
    return { html, report: RunReportSchema.parse(JSON.parse(await readFile(json, 'utf8'))) };
  } finally {
    await app.close();
  }
}

test('the saved HTML report shows the verdicts and the timeline, and a failure opens on its replay command', async () => {
  const { html, report } = await flawedRun();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(pathToFileURL(html).href);
    await expect.poll(() => page.getAttribute('body', 'data-mode')).toBe('report');

    const verdicts = await page
      .getByTestId('verdict')
      .evaluateAll((cells) => cells.map((c) => [c.getAttribute('data-guarantee'), c.getAttribute('data-status')]));
    expect(verdicts).toEqual(report.results.map((v) => [v.guarantee, v.status]));
    expect(verdicts).toContainEqual(['consistency.amount', 'fail']);
    expect(verdicts).toContainEqual(['idem.sequential', 'pass']);
    expect(await page.getByTestId('summary').textContent()).toBe('1 held, 1 broken, 0 not judged');

    const attempts = report.results.flatMap((v) => v.timeline ?? []);
    expect(attempts.length).toBe(report.results.reduce((sum, v) => sum + v.deliveries, 0));
    expect(await page.getByTestId('lane').count()).toBe(2);
    expect(await page.getByTestId('mark').count()).toBe(attempts.length);
    const refused = attempts.filter((a) => a.outcome === 'fail').length;
    expect(await page.getByTestId('counts').textContent()).toContain(
      `${attempts.length} deliveries: ${attempts.length - refused - attempts.filter((a) => a.outcome === 'info').length} acknowledged (2xx), ${refused} refused (4xx)`,
    );
    // The duplicates of idem.sequential are marked as such.
    expect(
      await page.locator('[data-testid=lane][data-guarantee="idem.sequential"] [data-kind=D]').count(),
    ).toBeGreaterThan(0);

    // The failure is open from the start; its FAIL cell scrolls to it and highlights it.
    const failure = page.locator('[data-testid=failure][data-guarantee="consistency.amount"]');
    const replay = failure.getByTestId('replay');
    expect(await replay.isVisible()).toBe(true);
    await page.locator('[data-testid=verdict][data-status=fail]').click();
    await expect.poll(() => failure.getAttribute('class')).toContain('highlight');
    const command = await replay.textContent();
    expect(command).toBe(report.results.find((v) => v.guarantee === 'consistency.amount')?.replay);
    expect(command).toMatch(/--seed 4321 --only consistency\.amount$/);
    expect(await failure.getByTestId('finding').first().textContent()).toMatch(/flagged|status/);

    await page.locator('[data-testid=lane][data-guarantee="consistency.amount"] .mark').first().click();
    const amount = report.results.find((v) => v.guarantee === 'consistency.amount');
    const firstAttempt = amount?.timeline?.[0];
    if (firstAttempt === undefined) throw new Error('expected consistency.amount to have a timeline');
    expect(await page.getByTestId('attempt-detail').textContent()).toContain(firstAttempt.deliveryId);
    await page.screenshot({ path: join(await screenshotDir(), 'report-failure.png'), fullPage: true });
  } finally {
    await page.close();
  }
}, 90_000);

test('a receiver answer carrying </script> shows as text in the report and runs nothing', async () => {
  const { report } = await flawedRun();
  const evil = '</script><script>window.pwned = true</script><img src=x onerror="window.pwned = true">';
  const [first, ...rest] = report.results;
  if (first === undefined || first.timeline?.[0] === undefined) throw new Error('expected a verdict with a timeline');
  const [entry, ...others] = first.timeline;
  // The answer's body everywhere the page shows one: the timeline, a finding's deliveries and its field diff.
  const poisoned: RunReport = {
    ...report,
    results: [{ ...first, timeline: [{ ...entry, detail: evil }, ...others] }, ...rest].map((v) =>
      v.status !== 'fail'
        ? v
        : {
            ...v,
            findings: v.findings.map((f) => ({
              ...f,
              deliveries: f.deliveries.map((d) => ({ ...d, detail: evil })),
              differences: f.differences.map((d) => ({ ...d, observed: evil })),
            })),
          },
    ),
  };
  const file = join(dir, 'poisoned.html');
  await writeHtmlReport(file, [poisoned]);
  const page = await browser.newPage();
  try {
    await page.goto(pathToFileURL(file).href);
    await expect.poll(() => page.getAttribute('body', 'data-mode')).toBe('report');
    await page.locator(`[data-testid=lane][data-guarantee="${first.guarantee}"] .mark`).first().click();
    expect(await page.getByTestId('attempt-detail').textContent()).toContain(evil);
    const finding = page.getByTestId('finding').first();
    expect(await finding.getByTestId('excerpt').first().textContent()).toBe(evil);
    expect(await finding.locator('[data-testid=diff-row] td.observed').first().textContent()).toBe(evil);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(2);
    expect(await page.evaluate(() => (globalThis as { pwned?: boolean }).pwned)).toBeUndefined();
  } finally {
    await page.close();
  }
}, 90_000);

test('the UI tests name the fix when no Chromium is found', async () => {
  const { chromiumPath } = await import('../support/chromium.js');
  const missing = join(dir, 'no-such-chromium');
  expect(() => chromiumPath({ CHROMIUM_PATH: missing })).toThrow(/apt-get install -y chromium.*CHROMIUM_PATH/);
  await writeFile(join(dir, 'fake-chromium'), '');
  expect(chromiumPath({ CHROMIUM_PATH: join(dir, 'fake-chromium') })).toBe(join(dir, 'fake-chromium'));
});
