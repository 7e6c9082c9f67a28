import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { main } from '../../scenarios/cli/main.js';
import type { RunReport } from '../../scenarios/verdict.js';
import { buildFlawedReceiver } from '../fixtures/flawed-receiver.js';
import { launchChromium } from '../support/chromium.js';
import { fakeIo } from '../support/fake-io.js';
import { listenOnLoopback } from '../support/listen.js';
import { type BrowserDocument, flawedStripeReport, openReportPage, pageDir, screenshot } from './page-support.js';

// Browser globals inside page.evaluate callbacks (the tests are typed for Node, without the DOM).
declare const document: BrowserDocument;
declare function getComputedStyle(node: unknown): Record<string, string>;

const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(6));
let browser: Browser;
let files: Awaited<ReturnType<typeof pageDir>>;
let runReport: RunReport;
let loadFile: string;

/** A real `load --html` against a receiver that skips the amount check: a failing load report. */
async function failingLoadPage(file: string): Promise<void> {
  const app = buildFlawedReceiver({ provider: 'stripe', secret, flaw: 'no-amount-check' });
  const base = await listenOnLoopback(app);
  try {
    const target = ['--target', `${base}/webhooks/stripe`, '--probe', `${base}/ipn-probe`, '--provider', 'stripe'];
    const code = await main(
      ['load', ...target, '--secret', secret, '--seed', '4', '--events', '200', '--html', file],
      fakeIo().io,
    );
    expect(code).toBe(1);
  } finally {
    await app.close();
  }
}

beforeAll(async () => {
  browser = await launchChromium();
  files = await pageDir();
  loadFile = join(files.dir, 'load.html');
  await failingLoadPage(loadFile);
  runReport = await flawedStripeReport('applies-every-delivery', 31, ['idem.sequential']);
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await files?.remove();
});

/** The computed styles the two pages must share, element by element (absent elements read as null). */
const SHARED: readonly (readonly [string, readonly string[]])[] = [
  ['body', ['fontFamily', 'color', 'maxWidth', 'paddingLeft']],
  ['header', ['borderBottomStyle', 'borderBottomColor', 'display']],
  ['h1', ['fontSize', 'fontWeight']],
  ['h2', ['fontSize', 'marginTop']],
  ['#summary', ['color', 'fontWeight']],
  ['#runs', ['color', 'fontSize']],
  ['main table th', ['paddingRight', 'borderBottomColor', 'textAlign']],
  ['pre.replay', ['whiteSpace', 'overflowX', 'backgroundColor', 'borderTopLeftRadius', 'fontFamily']],
];
function sharedStyles(page: Page) {
  return page.evaluate((shared) => {
    const query = (document as unknown as { querySelector(selector: string): unknown }).querySelector.bind(document);
    return shared.map(([selector, properties]) => {
      const node = query(selector);
      if (node === null) return [selector, null];
      const style = getComputedStyle(node);
      return [selector, properties.map((p) => `${p}: ${style[p]}`)];
    });
  }, SHARED);
}

test('the load report wears the run report’s style: the same fonts, header, summary colour, tables and replay block', async () => {
  const runPage = await openReportPage(browser, join(files.dir, 'run.html'), [runReport]);
  const loadPage = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const requests: string[] = [];
  loadPage.on('request', (request) => requests.push(request.url()));
  try {
    await loadPage.goto(pathToFileURL(loadFile).href);
    // Both pages report a failure: the headline is in the broken red of the run report.
    expect(runReport.results.some((v) => v.status === 'fail')).toBe(true);
    expect(await loadPage.locator('#summary').getAttribute('class')).toBe('broken');
    expect(await loadPage.locator('#summary').textContent()).toMatch(/^FAIL: 200 deliveries, /);
    const [run, load] = [await sharedStyles(runPage), await sharedStyles(loadPage)];
    expect(load.filter(([, values]) => values === null)).toEqual([]);
    expect(load).toEqual(run);
    // Self-contained: the page loads nothing but itself.
    expect(requests).toEqual([pathToFileURL(loadFile).href]);
    await screenshot(loadPage, 'load-report');
  } finally {
    await runPage.close();
    await loadPage.close();
  }
}, 60_000);

test('the load report’s replay command stays on one line at a narrow width (it scrolls, never wraps inside a word)', async () => {
  const page = await browser.newPage({ viewport: { width: 600, height: 900 } });
  try {
    await page.goto(pathToFileURL(loadFile).href);
    const replay = page.locator('pre.replay');
    expect(await replay.textContent()).toMatch(/^npx ipn-gauntlet load --target /);
    const shape = await replay.evaluate((pre) => {
      const range = document.createRange();
      range.selectNodeContents(pre);
      const box = pre as unknown as { scrollWidth: number; clientWidth: number };
      return {
        lines: new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size,
        scrolls: box.scrollWidth > box.clientWidth,
      };
    });
    expect(shape).toEqual({ lines: 1, scrolls: true });
  } finally {
    await page.close();
  }
}, 60_000);
