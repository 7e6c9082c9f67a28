import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { main } from '../../scenarios/cli/main.js';
import { RunReportSchema } from '../../scenarios/verdict.js';
import { launchChromium } from '../support/chromium.js';
import { fakeIo } from '../support/fake-io.js';

let dir: string;
let json: string;
let html: string;
let browser: Browser;

// One real run's JSON and HTML reports (the same verdicts, written by the same run).
beforeAll(async () => {
  browser = await launchChromium();
  dir = await mkdtemp(join(tmpdir(), 'ipn-show-report-'));
  json = join(dir, 'run.json');
  html = join(dir, 'run-by-demo.html');
  const { io, captured } = fakeIo();
  const code = await main(
    ['demo', '--provider', 'stripe', '--only', 'idem.sequential,auth.forged-rejected', '--json', json, '--html', html],
    io,
  );
  expect({ code, err: captured.err }).toEqual({ code: 0, err: '' });
}, 90_000);
afterAll(async () => {
  await browser?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

const embedded = (page: string) => {
  const match = /<script type="application\/json" id="ipn-data">([^<]*)<\/script>/.exec(page);
  if (match?.[1] === undefined) throw new Error('no embedded data');
  return JSON.parse(match[1]) as { mode: string; reports: unknown[] };
};

test('show-report renders a run --json report next to it: the very page --html wrote for that run', async () => {
  const { io, captured } = fakeIo();
  expect(await main(['show-report', json], io)).toBe(0);
  const written = join(dir, 'run.html');
  expect(captured.out).toBe(`HTML report: ${written}\n`);
  const page = await readFile(written, 'utf8');
  expect(page).toBe(await readFile(html, 'utf8'));
  expect(embedded(page).reports).toEqual([RunReportSchema.parse(JSON.parse(await readFile(json, 'utf8')))]);

  const elsewhere = join(dir, 'nested', 'page.html');
  expect(await main(['show-report', json, '--html', elsewhere], fakeIo().io)).toBe(0);
  expect(await readFile(elsewhere, 'utf8')).toBe(page);
});

test('show-report reads the several-provider form ({ runs: [...] }) and shows every run', async () => {
  const report = RunReportSchema.parse(JSON.parse(await readFile(json, 'utf8')));
  const several = join(dir, 'several.json');
  const other = { ...report, provider: 'paddle', results: report.results.map((v) => ({ ...v, provider: 'paddle' })) };
  await writeFile(several, JSON.stringify({ tool: 'ipn-gauntlet', seed: report.seed, runs: [report, other] }));
  expect(await main(['show-report', several], fakeIo().io)).toBe(0);
  const data = embedded(await readFile(join(dir, 'several.html'), 'utf8'));
  expect(data.reports).toEqual([report, other]);
});

test('show-report refuses what is not a JSON report, saying where, with exit code 2', async () => {
  const notJson = join(dir, 'not.json');
  await writeFile(notJson, '<html>');
  const wrongShape = join(dir, 'wrong.json');
  const report = JSON.parse(await readFile(json, 'utf8'));
  report.results[0].status = 'maybe';
  await writeFile(wrongShape, JSON.stringify(report));
  const cases: [string[], RegExp][] = [
    [
      ['show-report', join(dir, 'missing.json')],
      /^IPN_ERR_REPORT_INVALID: cannot read the JSON report .*missing\.json \(ENOENT\)/,
    ],
    [['show-report', notJson], /^IPN_ERR_REPORT_INVALID: .*not\.json is not JSON/],
    [
      ['show-report', wrongShape],
      /^IPN_ERR_REPORT_INVALID: .*wrong\.json is not an ipn-gauntlet JSON report: at results\.0\.status, /,
    ],
    [['show-report'], /^IPN_ERR_USAGE: show-report needs the JSON report to render/],
    [['show-report', json, '--port', '0'], /^IPN_ERR_USAGE: show-report: --port only makes sense with --serve/],
    [['show-report', json, '--open'], /^IPN_ERR_USAGE: show-report: Unknown option '--open'/],
  ];
  for (const [args, message] of cases) {
    const { io, captured } = fakeIo();
    expect({ args, code: await main(args, io) }).toEqual({ args, code: 2 });
    expect(captured.err).toMatch(message);
  }
});

/** GET / with a chosen Host header (fetch sends the URL's). */
function getWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

test('show-report --serve serves the page on 127.0.0.1 to loopback names only, until Ctrl-C', async () => {
  const { io, captured } = fakeIo();
  let stop = () => {};
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const exit = main(['show-report', json, '--html', join(dir, 'served.html'), '--serve'], {
    ...io,
    untilStopped: () => stopped,
  });
  try {
    await expect
      .poll(() => /Serving the report at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(captured.out)?.[1])
      .toBeDefined();
    const url = /Serving the report at (\S+) \(Ctrl-C to stop\)/.exec(captured.out)?.[1] as string;
    const served = await fetch(url);
    expect(served.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await served.text()).toBe(await readFile(join(dir, 'served.html'), 'utf8'));
    expect(await getWithHost(url, 'evil.example')).toBe(421);

    const page = await browser.newPage();
    try {
      await page.goto(url);
      await page.waitForSelector('body[data-mode=report]');
      expect(await page.getByTestId('verdict').count()).toBe(2);
    } finally {
      await page.close();
    }
    stop();
    expect(await exit).toBe(0);
    await expect(fetch(url)).rejects.toThrow();
  } finally {
    stop();
    await exit.catch(() => {});
  }
}, 60_000);
