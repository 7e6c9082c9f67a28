import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RunReport } from '../verdict.js';
import { clientScript } from './html-client.js';
import { pageStyle } from './html-style.js';
import { type PageCatalog, pageCatalog } from './page-catalog.js';

/** What the page renders: a finished report, or (the dashboard) an empty one filled from `GET /events`. */
export interface PageData {
  readonly mode: 'report' | 'live';
  readonly reports: readonly RunReport[];
}

/**
 * JSON that is safe inside `<script type="application/json">`: receivers' answers end up in reports, and a `</script>`
 * or `<!--` in one must not end the element. `<`, `>` and `&` become \u escapes, which JSON.parse reads back unchanged.
 */
export function embedJson(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll('<', '\\u003c')
    .replaceAll('>', '\\u003e')
    .replaceAll('&', '\\u0026')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029');
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

let catalog: PageCatalog | undefined;

/**
 * One self-contained page (inline CSS and script, no external assets): the summary and filters, the failures (open),
 * the verdicts not judged, the guarantees that held (closed), the verdict grid and the timeline. The script renders
 * it from the embedded data.
 */
export function pageHtml(data: PageData): string {
  catalog ??= pageCatalog();
  const providers = [...new Set(data.reports.map((r) => r.provider))].join(', ');
  const title =
    data.mode === 'live' ? 'ipn-gauntlet — live' : `ipn-gauntlet report${providers ? ` — ${providers}` : ''}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${pageStyle}</style>
</head>
<body data-mode="${data.mode}">
<header>
  <h1>ipn-gauntlet</h1>
  <span id="mode" class="badge" data-testid="mode"></span>
  <p id="summary" data-testid="summary"></p>
  <p id="counts" data-testid="counts"></p>
  <div id="runs"></div>
  <form id="filters" class="filters" data-testid="filters">
    <fieldset id="filter-status" class="statuses" data-testid="filter-status"><legend>Status</legend>
      <label><input type="checkbox" value="fail" checked> fail</label>
      <label><input type="checkbox" value="unknown" checked> not judged</label>
      <label><input type="checkbox" value="pass" checked> pass</label>
      <label><input type="checkbox" value="not-applicable" checked> not applicable</label>
      <label><input type="checkbox" value="not-run" checked> not run or running</label>
    </fieldset>
    <label>Provider <select id="filter-provider" data-testid="filter-provider"><option value="">all</option></select></label>
    <label>Guarantee <select id="filter-guarantee" data-testid="filter-guarantee"><option value="">all</option></select></label>
    <span id="filter-note" class="title" data-testid="filter-note"></span>
  </form>
</header>
<noscript><p>This report renders with JavaScript; its data is the JSON in the <code>ipn-data</code> script element.</p></noscript>
<main>
  <section><h2>Failures</h2><div id="failures" data-testid="failures"></div></section>
  <section><h2>Not judged</h2><div id="unknowns" data-testid="unknowns"></div></section>
  <section><h2>Held</h2><details class="held" data-testid="held-list">
    <summary id="held-count" data-testid="held-count"></summary><div id="passes" data-testid="passes"></div>
  </details></section>
  <section><h2>Verdicts</h2><div id="verdicts" data-testid="verdicts"></div></section>
  <section><h2>Timeline</h2>
    <div class="legend">
      <span class="mark ok"></span> 2xx <span class="mark fail"></span> 4xx <span class="mark info"></span> 5xx, timeout or reset ·
      <span class="mark ok unexpected"></span> not what a correct receiver answers
      <span class="mark info not-judged"></span> not judged (the gateway had stopped waiting)
      <span class="mark ok involved"></span> about an order an open failure names ·
      <b>F</b> forged or replayed <b>D</b> duplicated or re-signed <b>R</b> retried (attempt 2, 3, …) <b>A</b> altered (malformed, reformatted, rotated)
      <label class="zoom">Zoom <select id="zoom" data-testid="zoom">
        <option value="auto">auto</option><option value="1">1×</option><option value="2">2×</option>
        <option value="4">4×</option><option value="8">8×</option><option value="16">16×</option><option value="32">32×</option>
      </select></label>
    </div>
    <div id="timeline" data-testid="timeline"></div>
    <div id="detail" data-testid="attempt-detail" class="detail">Hover or click a mark for its details.</div>
  </section>
</main>
<script type="application/json" id="ipn-data">${embedJson({ ...data, catalog })}</script>
<script>${clientScript}</script>
</body>
</html>
`;
}

export function reportHtml(reports: readonly RunReport[]): string {
  return pageHtml({ mode: 'report', reports });
}

/** `--html FILE`: the report page for every run. */
export async function writeHtmlReport(file: string, reports: readonly RunReport[]): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, reportHtml(reports));
}
