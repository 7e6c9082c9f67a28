import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { RunReport, Verdict } from '../../scenarios/verdict.js';
import { launchChromium } from '../support/chromium.js';
import {
  BAD_RED,
  type BrowserStyle,
  flawedStripeReport,
  INVOLVED_AMBER,
  openReportPage,
  pageDir,
  rings,
  screenshot,
} from './page-support.js';

// Browser globals inside page.evaluate callbacks (the tests are typed for Node, without the DOM).
declare function getComputedStyle(node: unknown): BrowserStyle;

// A receiver that applies every copy of a delivery: idem.sequential fails on the orders its duplicates fulfilled
// again, the idempotency guarantees built on it are unknown, and idem.after-timeout has abandoned attempts and retries.
let duplicates: RunReport;
// A receiver that never verifies: auth.forged-rejected fails on forgeries answered 2xx.
let forgeries: RunReport;
// A receiver slower than the gateway waits on idem.after-timeout's first attempts: those time out, abandoned.
let slow: RunReport;
let browser: Browser;
let files: Awaited<ReturnType<typeof pageDir>>;

beforeAll(async () => {
  browser = await launchChromium();
  files = await pageDir();
  duplicates = await flawedStripeReport('applies-every-delivery', 11);
  forgeries = await flawedStripeReport('no-verification', 12, ['auth.forged-rejected']);
  slow = await flawedStripeReport('slow-sync-processing', 13, ['idem.after-timeout']);
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await files?.remove();
});

const verdict = (report: RunReport, guarantee: string): Verdict => {
  const found = report.results.find((v) => v.guarantee === guarantee);
  if (found === undefined) throw new Error(`the run has no ${guarantee} verdict`);
  return found;
};
const lane = (page: Page, guarantee: string) => page.locator(`[data-testid=lane][data-guarantee="${guarantee}"]`);

test('an abandoned attempt is drawn dashed and not judged, never with the red ring of an unexpected answer', async () => {
  const afterTimeout = verdict(slow, 'idem.after-timeout');
  const abandoned = (afterTimeout.timeline ?? []).filter((e) => e.expected === 'abandoned');
  expect(abandoned.length).toBeGreaterThan(0);
  // Timed out: no answer read (the attempts a second check in the page once called wrong).
  expect(abandoned.map((e) => [e.outcome, e.judgement])).toEqual(abandoned.map(() => ['info', 'not-judged']));

  const page = await openReportPage(browser, join(files.dir, 'abandoned.html'), [slow]);
  try {
    const dashed = lane(page, 'idem.after-timeout').locator('[data-judgement=not-judged]');
    expect(await dashed.count()).toBe(abandoned.length);
    for (const ring of await rings(dashed)) expect(ring).not.toContain(BAD_RED);
    expect(await dashed.first().evaluate((m) => getComputedStyle(m).borderStyle)).toBe('dashed');
    await dashed.first().click();
    expect(await page.getByTestId('attempt-detail').textContent()).toContain(
      'not judged: the gateway had stopped waiting',
    );

    // The red ring exists, and goes where the data says an answer was wrong: forgeries answered 2xx.
    const forgedPage = await openReportPage(browser, join(files.dir, 'forged.html'), [forgeries]);
    try {
      const unexpected = (verdict(forgeries, 'auth.forged-rejected').timeline ?? []).filter(
        (e) => e.judgement === 'unexpected',
      );
      expect(unexpected.length).toBeGreaterThan(0);
      const red = lane(forgedPage, 'auth.forged-rejected').locator('.mark.unexpected');
      expect(await red.count()).toBe(unexpected.length);
      for (const ring of await rings(red)) expect(ring).toContain(BAD_RED);
      const others = lane(forgedPage, 'auth.forged-rejected').locator('.mark:not(.unexpected)');
      for (const ring of await rings(others)) expect(ring).not.toContain(BAD_RED);
      await screenshot(forgedPage, 'report-unexpected-answers');
    } finally {
      await forgedPage.close();
    }
  } finally {
    await page.close();
  }
}, 60_000);

test("a gateway's retry of a delivery is lettered R: attempt 2 and later of the same delivery id", async () => {
  const retried = duplicates.results.flatMap((v) =>
    (v.timeline ?? []).filter((e) => e.attempt > 1).map((e) => `${v.guarantee} ${e.deliveryId}:${e.attempt}`),
  );
  expect(retried.length).toBeGreaterThan(0);
  const page = await openReportPage(browser, join(files.dir, 'retries.html'), [duplicates]);
  try {
    const marks = page.locator('[data-testid=mark][data-kind=R]');
    const shown = await marks.evaluateAll((nodes) =>
      nodes.map(
        (m) =>
          `${m.closest('[data-testid=lane]')?.getAttribute('data-guarantee')} ${m.getAttribute('data-delivery')}:${m.getAttribute('data-attempt')} ${m.textContent}`,
      ),
    );
    expect(shown.sort()).toEqual(retried.map((r) => `${r} R`).sort());
  } finally {
    await page.close();
  }
}, 60_000);

test('the deliveries of an order a state failure names are ringed while that failure is open, and not once closed', async () => {
  const sequential = verdict(duplicates, 'idem.sequential');
  expect(sequential.status).toBe('fail');
  const involved = (sequential.timeline ?? []).filter((e) => e.involved);
  expect(involved.length).toBeGreaterThan(0);
  const orders = new Set(sequential.findings.map((f) => f.orderId));
  expect(involved.every((e) => orders.has(e.orderId))).toBe(true);

  const page = await openReportPage(browser, join(files.dir, 'involved.html'), [duplicates]);
  try {
    const marks = lane(page, 'idem.sequential').getByTestId('mark');
    const ringed = lane(page, 'idem.sequential').locator('.mark.involved');
    expect(await ringed.count()).toBe(involved.length);
    expect(await ringed.evaluateAll((nodes) => nodes.every((m) => m.getAttribute('data-involved') === 'true'))).toBe(
      true,
    );
    for (const ring of await rings(ringed)) expect(ring).toContain(INVOLVED_AMBER);
    const plain = await marks.evaluateAll((nodes) => nodes.filter((m) => !m.classList.contains('involved')).length);
    expect(plain).toBe((sequential.timeline ?? []).length - involved.length);

    await page.locator('[data-testid=failure][data-guarantee="idem.sequential"] > summary').click();
    await expect.poll(() => ringed.count()).toBe(0);
    await page.locator('[data-testid=failure][data-guarantee="idem.sequential"] > summary').click();
    await expect.poll(() => ringed.count()).toBe(involved.length);
  } finally {
    await page.close();
  }
}, 60_000);

test('an unknown verdict shows as UNKNOWN with its reason, in the grid, the summary and the not-judged list', async () => {
  const unknown = duplicates.results.filter((v) => v.status === 'unknown');
  expect(unknown.length).toBeGreaterThan(0);
  const page = await openReportPage(browser, join(files.dir, 'unknown.html'), [duplicates]);
  try {
    const count = (status: string) => duplicates.results.filter((v) => v.status === status).length;
    expect(await page.getByTestId('summary').textContent()).toBe(
      `${count('pass')} held, ${count('fail')} broken, ${count('unknown')} not judged`,
    );
    for (const v of unknown) {
      const cell = page.locator(`[data-testid=verdict][data-guarantee="${v.guarantee}"]`);
      expect(await cell.textContent()).toBe('UNKNOWN');
      expect(await cell.getAttribute('data-status')).toBe('unknown');
      expect(await cell.getAttribute('title')).toBe(`not judged: ${v.reason}`);
      const listed = page.locator(`[data-testid=unknown][data-guarantee="${v.guarantee}"]`);
      expect(await listed.getByTestId('unknown-reason').textContent()).toBe(v.reason);
      expect(await listed.getByTestId('unknown-reason').isVisible()).toBe(true);
    }
    const styles = await page
      .getByTestId('verdict')
      .evaluateAll((cells) =>
        cells.map((c) => [c.getAttribute('data-status'), getComputedStyle(c).backgroundImage !== 'none']),
      );
    expect(new Set(styles.filter(([s]) => s === 'unknown').map(([, striped]) => striped))).toEqual(new Set([true]));
    expect(new Set(styles.filter(([s]) => s !== 'unknown').map(([, striped]) => striped))).toEqual(new Set([false]));
    // Failures come first, then what was not judged.
    const order = await page
      .locator('[data-testid=failures], [data-testid=unknowns], [data-testid=verdicts]')
      .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-testid')));
    expect(order).toEqual(['failures', 'unknowns', 'verdicts']);
    await screenshot(page, 'report-unknown-verdicts');
  } finally {
    await page.close();
  }
}, 60_000);

test('a failure is open from the start, with a diff table of its fields, its deliveries, body excerpts and reason code', async () => {
  const sequential = verdict(duplicates, 'idem.sequential');
  const page = await openReportPage(browser, join(files.dir, 'failure.html'), [duplicates]);
  try {
    const failure = page.locator('[data-testid=failure][data-guarantee="idem.sequential"]');
    expect(await failure.evaluate((d) => d.hasAttribute('open'))).toBe(true);
    expect(await failure.getByTestId('replay').isVisible()).toBe(true);
    const findings = failure.getByTestId('finding');
    expect(await findings.count()).toBe(sequential.findings.length);
    for (const [index, finding] of sequential.findings.entries()) {
      const shown = findings.nth(index);
      expect(await shown.getByTestId('reason').textContent()).toBe(finding.reason);
      const rows = await shown
        .getByTestId('diff-row')
        .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((cell) => cell.textContent)));
      // Duplicates are judged against a twin: every differing field has the twin's value.
      expect(finding.differences.every((d) => d.twin !== undefined)).toBe(true);
      expect(rows).toEqual(
        finding.differences.map((d) => [d.field, String(d.observed), String(d.expected), String(d.twin)]),
      );
      const excerpts = await shown.getByTestId('excerpt').allTextContents();
      expect(excerpts).toEqual(finding.deliveries.map((d) => d.detail));
    }
    expect(await findings.first().locator('table.diff th').allTextContents()).toEqual([
      'field',
      'probe',
      'a correct receiver',
      'twin',
      ...(sequential.findings[0]?.differences ?? []).map((d) => d.field),
    ]);
    await screenshot(page, 'report-failure-open');
  } finally {
    await page.close();
  }
}, 60_000);

test('failures come first and open; what held is one closed list below them, each guarantee closed, opening on a click', async () => {
  const held = duplicates.results.filter((v) => v.status === 'pass');
  const failed = duplicates.results.filter((v) => v.status === 'fail');
  expect([held.length > 0, failed.length > 0]).toEqual([true, true]);
  const page = await openReportPage(browser, join(files.dir, 'held.html'), [duplicates]);
  try {
    // The list of what held is one closed line, saying how many; open, it lists each guarantee, closed.
    const list = page.getByTestId('held-list');
    expect(await list.evaluate((d) => d.hasAttribute('open'))).toBe(false);
    expect(await page.getByTestId('held-count').textContent()).toBe(`${held.length} guarantees held`);
    expect(await page.getByTestId('pass').first().isVisible()).toBe(false);
    await page.getByTestId('held-count').click();
    const panels = await page.locator('[data-testid=failure], [data-testid=pass]').evaluateAll((nodes) =>
      nodes.map((n) => ({
        kind: n.getAttribute('data-testid'),
        guarantee: n.getAttribute('data-guarantee'),
        open: n.hasAttribute('open'),
        top: n.getBoundingClientRect().top,
      })),
    );
    expect(panels.map((p) => [p.kind, p.guarantee, p.open])).toEqual([
      ...failed.map((v) => ['failure', v.guarantee, true]),
      ...held.map((v) => ['pass', v.guarantee, false]),
    ]);
    const lastFailure = Math.max(...panels.filter((p) => p.kind === 'failure').map((p) => p.top));
    expect(panels.filter((p) => p.kind === 'pass').every((p) => p.top > lastFailure)).toBe(true);
    const first = page.getByTestId('pass').first();
    expect(await first.getByTestId('replay').isVisible()).toBe(false);
    await first.locator('summary').click();
    expect(await first.evaluate((d) => d.hasAttribute('open'))).toBe(true);
    expect(await first.getByTestId('replay').textContent()).toBe(held[0]?.replay);
  } finally {
    await page.close();
  }
}, 60_000);
