import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { RunReport } from '../../scenarios/verdict.js';
import { launchChromium } from '../support/chromium.js';
import {
  type BrowserBox,
  type BrowserDocument,
  type BrowserStyle,
  flawedStripeReport,
  openReportPage,
  pageDir,
  screenshot,
} from './page-support.js';

// Browser globals inside page.evaluate callbacks (the tests are typed for Node, without the DOM).
declare const document: BrowserDocument;
declare function getComputedStyle(node: unknown): BrowserStyle;

// Every guarantee against a receiver that applies every copy: hundreds of marks, bursts of concurrent copies.
let report: RunReport;
let browser: Browser;
let files: Awaited<ReturnType<typeof pageDir>>;

beforeAll(async () => {
  browser = await launchChromium();
  files = await pageDir();
  report = await flawedStripeReport('applies-every-delivery', 21);
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await files?.remove();
});

/** Every mark scrolled into view in turn: whether the element at its centre is that mark (nothing covers it). */
function marksHitAtTheirCentre(page: Page) {
  return page.getByTestId('mark').evaluateAll((marks) =>
    marks.map((mark) => {
      mark.scrollIntoView({ block: 'center', inline: 'center' });
      const box = mark.getBoundingClientRect();
      return document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2) === mark;
    }),
  );
}

test('every mark is clickable at its centre and no two marks overlap, at every zoom', async () => {
  const page = await openReportPage(browser, join(files.dir, 'marks.html'), [report]);
  try {
    const attempts = report.results.reduce((sum, v) => sum + (v.timeline ?? []).length, 0);
    expect(attempts).toBeGreaterThan(200);
    for (const zoom of ['auto', '1', '4']) {
      await page.selectOption('[data-testid=zoom]', zoom);
      expect(await page.getByTestId('mark').count()).toBe(attempts);
      const hits = await marksHitAtTheirCentre(page);
      expect({ zoom, covered: hits.filter((hit) => !hit).length }).toEqual({ zoom, covered: 0 });
      const overlaps = await page.getByTestId('lane').evaluateAll((lanes) =>
        lanes.map((lane) => {
          const boxes = [...lane.querySelectorAll('.mark')].map((m) => m.getBoundingClientRect());
          let count = 0;
          for (let i = 0; i < boxes.length; i += 1) {
            for (let j = i + 1; j < boxes.length; j += 1) {
              const a = boxes[i] as BrowserBox;
              const b = boxes[j] as BrowserBox;
              if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) count += 1;
            }
          }
          return count;
        }),
      );
      expect({ zoom, overlaps: overlaps.reduce((a, b) => a + b, 0) }).toEqual({ zoom, overlaps: 0 });
      // Letters fit their mark: nothing is clipped.
      const clipped = await page
        .locator('[data-testid=mark]:not([data-kind=plain])')
        .evaluateAll(
          (marks) => marks.filter((m) => m.scrollWidth > m.clientWidth || m.textContent?.length !== 1).length,
        );
      expect(clipped).toBe(0);
    }
    await page.selectOption('[data-testid=zoom]', 'auto');
    await screenshot(page, 'report-timeline');
  } finally {
    await page.close();
  }
}, 90_000);

test('all lanes of a run share one time axis: a mark sits at its send time on the same ms-to-pixel scale', async () => {
  const page = await openReportPage(browser, join(files.dir, 'axis.html'), [report]);
  try {
    const run = page.getByTestId('run-timeline');
    const msPerPx = Number(await run.getAttribute('data-ms-per-px'));
    expect(msPerPx).toBeGreaterThan(0);
    const placed = await page.getByTestId('mark').evaluateAll((marks) =>
      marks.map((m) => ({
        lane: m.closest('[data-testid=lane]')?.getAttribute('data-guarantee') ?? '',
        delivery: m.getAttribute('data-delivery') ?? '',
        attempt: Number(m.getAttribute('data-attempt')),
        left: (m as unknown as { offsetLeft: number }).offsetLeft,
      })),
    );
    const entries = report.results.flatMap((v) => (v.timeline ?? []).map((e) => ({ lane: v.guarantee, e })));
    const start = Math.min(...entries.map(({ e }) => e.sentMs));
    const sentOf = new Map(entries.map(({ lane, e }) => [`${lane} ${e.deliveryId}:${e.attempt}`, e.sentMs]));
    const lanes = new Set(placed.map((p) => p.lane));
    expect(lanes.size).toBeGreaterThan(5);
    for (const mark of placed) {
      const sent = sentOf.get(`${mark.lane} ${mark.delivery}:${mark.attempt}`);
      if (sent === undefined) throw new Error(`a mark with no attempt in the data: ${JSON.stringify(mark)}`);
      expect(Math.abs(mark.left - (sent - start) / msPerPx)).toBeLessThanOrEqual(1);
    }
    // The axis is labelled once per run, above every lane.
    expect(await page.getByTestId('axis').count()).toBe(1);
    expect((await page.getByTestId('axis').locator('.tick').count()) > 2).toBe(true);
  } finally {
    await page.close();
  }
}, 60_000);

test('the filters hide passing rows, lanes and panels, live in the URL hash and come back with it', async () => {
  const failed = report.results.filter((v) => v.status === 'fail').map((v) => v.guarantee);
  const problems = report.results.filter((v) => v.status !== 'pass').map((v) => v.guarantee);
  expect(failed.length).toBeGreaterThan(0);
  expect(problems.length).toBeGreaterThan(failed.length);
  expect(report.results.length).toBeGreaterThan(problems.length);
  const rows = (page: Page) =>
    page.getByTestId('verdict-row').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-guarantee')));
  const lanes = (page: Page) =>
    page.getByTestId('lane').evaluateAll((ls) => ls.map((lane) => lane.getAttribute('data-guarantee')));

  const file = join(files.dir, 'filters.html');
  const page = await openReportPage(browser, file, [report]);
  try {
    expect(await rows(page)).toEqual(report.results.map((v) => v.guarantee));
    await page.selectOption('[data-testid=filter-show]', 'fail');
    expect(await rows(page)).toEqual(failed);
    expect(await lanes(page)).toEqual(failed);
    expect(await page.getByTestId('unknown').count()).toBe(0);
    expect(await page.getByTestId('filter-note').textContent()).toBe(
      `${report.results.length - failed.length} verdicts hidden by the filters`,
    );
    expect(new URL(page.url()).hash).toBe('#show=fail');
    await screenshot(page, 'report-filter-failures');

    await page.selectOption('[data-testid=filter-show]', 'problems');
    expect(await rows(page)).toEqual(problems);
    await page.selectOption('[data-testid=filter-show]', 'all');
    await page.selectOption('[data-testid=filter-guarantee]', 'idem.sequential');
    expect(await rows(page)).toEqual(['idem.sequential']);
    expect(await lanes(page)).toEqual(['idem.sequential']);
    await page.selectOption('[data-testid=filter-provider]', 'stripe');
    expect(new URL(page.url()).hash).toBe('#provider=stripe&guarantee=idem.sequential');
  } finally {
    await page.close();
  }
  const reopened = await openReportPage(browser, file, [report], { hash: '#show=fail' });
  try {
    expect(await rows(reopened)).toEqual(failed);
    expect(await reopened.getByTestId('filter-show').inputValue()).toBe('fail');
  } finally {
    await reopened.close();
  }
}, 60_000);

test('the replay command stays on one line (it scrolls, never wraps inside a word) and keeps its copy button', async () => {
  const long = `${'npx ipn-gauntlet run --target http://127.0.0.1:3000/webhooks/stripe '.repeat(3)}--seed 21`;
  const withLongReplay: RunReport = {
    ...report,
    results: report.results.map((v) => (v.status === 'fail' ? { ...v, replay: long } : v)),
  };
  const page = await openReportPage(browser, join(files.dir, 'replay.html'), [withLongReplay], { width: 700 });
  try {
    const replay = page.locator('[data-testid=failure] [data-testid=replay]').first();
    expect(await replay.textContent()).toBe(long);
    const shape = await replay.evaluate((pre) => {
      const range = document.createRange();
      range.selectNodeContents(pre);
      const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      return {
        lines: tops.size,
        scrolls: pre.scrollWidth > pre.clientWidth,
        whiteSpace: getComputedStyle(pre).whiteSpace,
      };
    });
    expect(shape).toEqual({ lines: 1, scrolls: true, whiteSpace: 'pre' });
    expect(await page.locator('[data-testid=failure]').first().getByTestId('copy-replay').isVisible()).toBe(true);
  } finally {
    await page.close();
  }
}, 60_000);
