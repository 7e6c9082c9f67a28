import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { main } from '../../scenarios/cli/main.js';
import { embedJson, pageHtml } from '../../scenarios/report/html.js';
import { RunReportSchema } from '../../scenarios/verdict.js';
import { fakeIo } from '../support/fake-io.js';

const embedded = (html: string) => {
  const match = /<script type="application\/json" id="ipn-data">([^<]*)<\/script>/.exec(html);
  if (match?.[1] === undefined) throw new Error('no embedded data');
  return JSON.parse(match[1]) as { mode: string; reports: unknown[] };
};

test('embedded JSON cannot end its script element and reads back unchanged', () => {
  const value = { detail: '</script><script>alert(1)</script><!-- & \u2028\u2029 "quoted"' };
  const text = embedJson(value);
  expect(text).not.toMatch(/[<>&\u2028\u2029]/);
  expect(JSON.parse(text)).toEqual(value);
  const page = pageHtml({ mode: 'report', reports: [] });
  expect(page.match(/<\/script>/g)).toHaveLength(2);
  expect(page).not.toMatch(/<(link|img)\b|src=|href=/);
});

test('demo --html writes one page holding every verdict with a timeline of each delivery', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ipn-html-'));
  try {
    const file = join(dir, 'nested', 'report.html');
    const { io, captured } = fakeIo();
    const code = await main(
      ['demo', '--provider', 'stripe', '--only', 'idem.sequential,auth.forged-rejected', '--html', file],
      io,
    );
    expect(captured.err).toBe('');
    expect(code).toBe(0);
    expect(captured.out).toContain(`HTML report: ${file}`);
    const data = embedded(await readFile(file, 'utf8'));
    expect(data.mode).toBe('report');
    const [report] = data.reports.map((r) => RunReportSchema.parse(r));
    expect(report?.results.map((v) => v.guarantee).sort()).toEqual(['auth.forged-rejected', 'idem.sequential']);
    for (const verdict of report?.results ?? []) {
      const timeline = verdict.timeline ?? [];
      expect(timeline).toHaveLength(verdict.deliveries);
      expect(timeline.every((e) => e.answeredMs >= e.sentMs && e.sentMs <= (report?.durationMs ?? 0))).toBe(true);
    }
    const kinds = report?.results.flatMap((v) => v.timeline ?? []).map((e) => e.faultKind);
    expect(kinds).toContain('forged');
    expect(kinds).toContain('duplicate');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 60_000);
