import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { main } from '../../scenarios/cli/main.js';
import { buildFlawedReceiver } from '../fixtures/flawed-receiver.js';
import { launchChromium, screenshotDir } from '../support/chromium.js';
import { fakeIo } from '../support/fake-io.js';
import { listenOnLoopback } from '../support/listen.js';

const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(6));
const guarantees = ['auth.forged-rejected', 'idem.sequential', 'order.final-state', 'consistency.amount'];
let browser: Browser;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((clean) => clean()));
});

/** A stripe receiver that fulfills payments whose amount differs from the order, and the run flags to reach it. */
async function flawedTarget(): Promise<string[]> {
  const app = buildFlawedReceiver({ provider: 'stripe', secret, flaw: 'no-amount-check' });
  const base = await listenOnLoopback(app);
  cleanups.push(() => app.close());
  return ['--target', `${base}/webhooks/stripe`, '--probe', `${base}/ipn-probe`, '--provider', 'stripe'];
}

/** CLI io whose "Ctrl-C" the test presses. */
function stoppableIo() {
  const { io, captured } = fakeIo({ IPN_GAUNTLET_SECRET: secret });
  let stop = () => {};
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  return { io: { ...io, untilStopped: () => stopped }, captured, stop };
}

const dashboardUrl = (out: string) => /Dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1];

test('the dashboard follows a real run live, then shows the report and a failure with its replay command', async () => {
  const { io, captured, stop } = stoppableIo();
  const target = await flawedTarget();
  const exit = main(['run', ...target, '--seed', '99', '--only', guarantees.join(','), '--ui', '--ui-port', '0'], io);
  cleanups.push(async () => {
    stop();
    await exit.catch(() => {});
  });
  await expect.poll(() => dashboardUrl(captured.out), { timeout: 15_000 }).toBeDefined();
  const url = dashboardUrl(captured.out) as string;

  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  cleanups.push(() => page.close());
  const shots = await screenshotDir();
  await page.goto(url);
  expect(await (await fetch(url)).text()).toContain('<body data-mode="live">');
  await page.screenshot({ path: join(shots, 'dashboard-live.png'), fullPage: true });

  await page.waitForSelector('body[data-finished=true]', { timeout: 60_000 });
  // The attempts arrived over /events while the run went, before the final report replaced them.
  expect(Number(await page.getAttribute('body', 'data-live-attempts'))).toBeGreaterThan(0);
  expect(await page.getAttribute('body', 'data-mode')).toBe('report');
  expect(await page.getByTestId('mode').textContent()).toBe('live · finished');

  const verdicts = await page
    .getByTestId('verdict')
    .evaluateAll((cells) => cells.map((c) => [c.getAttribute('data-guarantee'), c.getAttribute('data-status')]));
  expect(verdicts.map(([g]) => g).sort()).toEqual([...guarantees].sort());
  expect(verdicts).toContainEqual(['consistency.amount', 'fail']);
  expect(verdicts).toContainEqual(['idem.sequential', 'pass']);
  expect(await page.getByTestId('lane').count()).toBe(guarantees.length);
  expect(
    await page.locator('[data-testid=lane][data-guarantee="auth.forged-rejected"] [data-kind=F]').count(),
  ).toBeGreaterThan(0);

  await page.locator('[data-testid=verdict][data-guarantee="consistency.amount"]').click();
  const replay = page.locator('[data-testid=failure][data-guarantee="consistency.amount"] [data-testid=replay]');
  await replay.waitFor({ state: 'visible' });
  expect(await replay.textContent()).toMatch(
    /^npx ipn-gauntlet run --target \S+ --probe \S+ --provider stripe --secret "\$IPN_GAUNTLET_SECRET" --probe-token "\$IPN_GAUNTLET_PROBE_TOKEN" --seed 99 --only consistency\.amount$/,
  );
  await page.screenshot({ path: join(shots, 'dashboard-report.png'), fullPage: true });

  // After the run it keeps serving until the user stops it; then it closes.
  await expect.poll(() => captured.out).toContain('Dashboard still serving the report');
  expect((await fetch(url)).status).toBe(200);
  stop();
  expect(await exit).toBe(1);
  await expect(fetch(url)).rejects.toThrow();
}, 120_000);

test('--ui-exit stops serving when the run ends (run and demo), and --ui-port without --ui is a usage error', async () => {
  const target = await flawedTarget();
  const { io, captured } = fakeIo({ IPN_GAUNTLET_SECRET: secret });
  const code = await main(['run', ...target, '--only', 'idem.sequential', '--ui', '--ui-exit'], io);
  expect(code).toBe(0);
  const url = dashboardUrl(captured.out);
  expect(url).toBeDefined();
  expect(captured.out).not.toContain('still serving');
  await expect(fetch(url as string)).rejects.toThrow();

  const demo = fakeIo();
  expect(await main(['demo', '--provider', 'stripe', '--only', 'idem.sequential', '--ui', '--ui-exit'], demo.io)).toBe(
    0,
  );
  expect(dashboardUrl(demo.captured.out)).toBeDefined();

  const usage = fakeIo({ IPN_GAUNTLET_SECRET: secret });
  expect(await main(['run', ...target, '--ui-port', '0'], usage.io)).toBe(2);
  expect(usage.captured.err).toMatch(/IPN_ERR_USAGE: --ui-port and --ui-exit only make sense with --ui/);
}, 60_000);
