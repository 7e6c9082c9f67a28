import { answeredWrongly } from '../judge/answers.js';
import type { RunReport, Verdict } from '../verdict.js';

/** Human output: one line per guarantee as it finishes, then each failure's evidence and replay command. */
export interface Style {
  ok(text: string): string;
  bad(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const ansi = (code: number) => (text: string) => `\u001b[${code}m${text}\u001b[0m`;
export const colours: Style = { ok: ansi(32), bad: ansi(31), dim: ansi(2), bold: ansi(1) };
export const plain: Style = { ok: (t) => t, bad: (t) => t, dim: (t) => t, bold: (t) => t };

export function styleFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): Style {
  return stream.isTTY && env.NO_COLOR === undefined ? colours : plain;
}

const MAX_FINDINGS = 5;
const MAX_DELIVERIES = 12;

export function verdictLine(verdict: Verdict, style: Style): string {
  const word = verdict.status === 'pass' ? 'PASS' : verdict.status === 'fail' ? 'FAIL' : 'UNKNOWN';
  const paint = verdict.status === 'pass' ? style.ok : verdict.status === 'fail' ? style.bad : style.dim;
  const timing = style.dim(`(${verdict.deliveries} deliveries, ${(verdict.durationMs / 1000).toFixed(1)}s)`);
  const why = verdict.status === 'unknown' ? style.dim(`\n           ${short(verdict.reason ?? verdict.summary)}`) : '';
  return `  ${paint(word)}${' '.repeat(7 - word.length)}  ${verdict.guarantee.padEnd(22)} ${verdict.title} ${timing}${why}`;
}

/** A reason on one line, cut to a readable length (the JSON report has it whole). */
function short(text: string): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > 200 ? `${line.slice(0, 197)}…` : line;
}

export function failureDetails(verdict: Verdict, style: Style): string {
  const lines = [
    style.bold(`${style.bad('✘')} ${verdict.guarantee} (${verdict.provider}, seed ${verdict.seed}): ${verdict.title}`),
  ];
  for (const finding of verdict.findings.slice(0, MAX_FINDINGS)) {
    lines.push(`  - ${finding.problem}`);
    for (const difference of finding.differences) {
      const twin = difference.twin === undefined ? '' : `, its twin ${show(difference.twin)}`;
      lines.push(
        `    ${difference.field}: probe ${show(difference.observed)}, a correct receiver ${show(difference.expected)}${twin}`,
      );
    }
    const shown = finding.deliveries.slice(0, MAX_DELIVERIES);
    shown.forEach((d, i) => {
      const fault = d.fault === null ? '' : ` [${d.fault}]`;
      const retry = d.attempt > 1 ? ` (attempt ${d.attempt})` : '';
      const answer = d.statusCode === null ? `no answer (${d.detail})` : `${d.statusCode}`;
      // The receiver's own words, where its answer is not the one a correct receiver gives.
      const said =
        d.statusCode !== null && d.detail !== '' && answeredWrongly(d) ? ` ${JSON.stringify(short(d.detail))}` : '';
      lines.push(
        style.dim(
          `    ${i + 1}. ${d.deliveryId}${retry} ${d.label} ${d.eventId}${fault} → ${answer}${said}, expected ${d.expected}`,
        ),
      );
    });
    const reproducible = shown.find((d) => d.reproduce !== undefined);
    if (reproducible?.reproduce !== undefined) {
      lines.push(
        style.dim(`    reproduce ${reproducible.deliveryId} (signed at its second; send within the tolerance):`),
      );
      lines.push(style.dim(reproducible.reproduce.replace(/^/gm, '      ')));
    }
    if (finding.deliveries.length > shown.length) {
      lines.push(
        style.dim(
          `    … ${finding.deliveries.length - shown.length} more deliveries in the JSON and HTML reports (--json FILE, --html FILE)`,
        ),
      );
    }
  }
  if (verdict.findings.length > MAX_FINDINGS) {
    lines.push(
      `  … ${verdict.findings.length - MAX_FINDINGS} more findings in the JSON and HTML reports (--json FILE, --html FILE)`,
    );
  }
  if (verdict.reason !== null) lines.push(`  also not judged: ${short(verdict.reason)}`);
  if (verdict.diagnosis !== null) lines.push(`  where to look: ${verdict.diagnosis}`);
  lines.push(`  replay: ${verdict.replay}`);
  return lines.join('\n');
}

function show(value: unknown): string {
  return value === null ? '404 / nothing' : typeof value === 'string' ? value : JSON.stringify(value);
}

export function runSummary(reports: readonly RunReport[], style: Style): string {
  const verdicts = reports.flatMap((r) => r.results);
  const failed = verdicts.filter((v) => v.status === 'fail');
  const unknown = verdicts.filter((v) => v.status === 'unknown');
  const details = failed.map((v) => failureDetails(v, style));
  const held = verdicts.length - failed.length - unknown.length;
  const line =
    `${held} of ${verdicts.length} guarantees held` +
    `${failed.length > 0 ? `, ${failed.length} broken` : ''}${unknown.length > 0 ? `, ${unknown.length} not judged` : ''}`;
  const paint = failed.length > 0 ? style.bad : unknown.length > 0 ? style.dim : style.ok;
  return [...details, paint(line)].join('\n\n');
}
