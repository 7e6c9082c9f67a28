import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import type { GuaranteeId } from '../../contracts/guarantees.js';
import { providers } from '../../contracts/providers/index.js';
import { writeHtmlReport } from '../../scenarios/report/html.js';
import type { RunReport } from '../../scenarios/verdict.js';
import { buildFlawedReceiver, type Flaw } from '../fixtures/flawed-receiver.js';
import { screenshotDir } from '../support/chromium.js';
import { gauntletAgainst } from '../support/gauntlet.js';
import { listenOnLoopback } from '../support/listen.js';

/** A real run of the gauntlet against a Stripe receiver with one planted flaw (all guarantees, or `only` some). */
export async function flawedStripeReport(flaw: Flaw, seed: number, only?: GuaranteeId[]): Promise<RunReport> {
  const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(3));
  const app = buildFlawedReceiver({ provider: 'stripe', secret, flaw });
  const base = await listenOnLoopback(app);
  try {
    return await gauntletAgainst(base, 'stripe', secret, { seed, ...(only === undefined ? {} : { only }) });
  } finally {
    await app.close();
  }
}

/** A temporary directory for the pages a test file writes. */
export async function pageDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'ipn-ui-page-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes the report page and opens it (with a URL hash, if given) once its script has rendered. */
export async function openReportPage(
  browser: Browser,
  file: string,
  reports: readonly RunReport[],
  options: { readonly width?: number; readonly hash?: string } = {},
): Promise<Page> {
  await writeHtmlReport(file, reports);
  const page = await browser.newPage({ viewport: { width: options.width ?? 1280, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(pathToFileURL(file).href + (options.hash ?? ''));
  await page.waitForSelector('body[data-mode=report]');
  if (errors.length > 0) throw new Error(`the page script failed: ${errors.join('; ')}`);
  return page;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(await screenshotDir(), `${name}.png`), fullPage: true });
}

/** What the tests read of a computed style inside `page.evaluate` (the tests are typed for Node, without the DOM). */
export interface BrowserStyle {
  readonly boxShadow: string;
  readonly outlineStyle: string;
  readonly outlineColor: string;
  readonly borderStyle: string;
  readonly backgroundImage: string;
  readonly whiteSpace: string;
}
export interface BrowserBox {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
  readonly width: number;
  readonly height: number;
}
/** The document, as far as the tests use it inside `page.evaluate`. */
export interface BrowserDocument {
  elementFromPoint(x: number, y: number): unknown;
  createRange(): { selectNodeContents(node: unknown): void; getClientRects(): Iterable<BrowserBox> };
}
declare function getComputedStyle(node: unknown): BrowserStyle;

/** The red of an unexpected answer's ring (--bad), as computed styles spell it. */
export const BAD_RED = 'rgb(201, 42, 42)';
/** The amber of an involved mark's ring (--involved). */
export const INVOLVED_AMBER = 'rgb(245, 159, 0)';

/** Each mark's ring as the browser draws it: its box-shadow and outline (where a red or amber ring would be). */
export function rings(marks: Locator): Promise<string[]> {
  return marks.evaluateAll((nodes) =>
    nodes.map((node) => {
      const style = getComputedStyle(node);
      return `${style.boxShadow} | ${style.outlineStyle} ${style.outlineColor}`;
    }),
  );
}
