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
  const mark = verdict.status === 'pass' ? style.ok('PASS') : style.bad('FAIL');
  const timing = style.dim(`(${verdict.deliveries} deliveries, ${(verdict.durationMs / 1000).toFixed(1)}s)`);
  return `  ${mark}  ${verdict.guarantee.padEnd(22)} ${verdict.title} ${timing}`;
}

export function failureDetails(verdict: Verdict, style: Style): string {
  const lines = [
    style.bold(`${style.bad('✘')} ${verdict.guarantee} (${verdict.provider}, seed ${verdict.seed}): ${verdict.title}`),
  ];
  for (const finding of verdict.findings.slice(0, MAX_FINDINGS)) {
    lines.push(`  - ${finding.problem}`);
    if (finding.observed !== null || finding.expected !== null) {
      lines.push(`    probe showed: ${finding.observed === null ? '404 / nothing' : JSON.stringify(finding.observed)}`);
      lines.push(`    rule expects: ${JSON.stringify(finding.expected)}`);
    }
    const shown = finding.deliveries.slice(0, MAX_DELIVERIES);
    shown.forEach((d, i) => {
      const fault = d.fault === null ? '' : ` [${d.fault}]`;
      const answer = d.statusCode === null ? `no answer (${d.detail})` : `${d.statusCode}`;
      lines.push(
        style.dim(`    ${i + 1}. ${d.deliveryId} ${d.label} ${d.eventId}${fault} → ${answer}, expected ${d.expected}`),
      );
    });
    if (finding.deliveries.length > shown.length) {
      lines.push(style.dim(`    … ${finding.deliveries.length - shown.length} more deliveries in the JSON report`));
    }
  }
  if (verdict.findings.length > MAX_FINDINGS) {
    lines.push(`  … ${verdict.findings.length - MAX_FINDINGS} more findings in the JSON report`);
  }
  if (verdict.diagnosis !== null) lines.push(`  where to look: ${verdict.diagnosis}`);
  lines.push(`  replay: ${verdict.replay}`);
  return lines.join('\n');
}

export function runSummary(reports: readonly RunReport[], style: Style): string {
  const verdicts = reports.flatMap((r) => r.results);
  const failed = verdicts.filter((v) => v.status === 'fail');
  const details = failed.map((v) => failureDetails(v, style));
  const held = verdicts.length - failed.length;
  const line = `${held} of ${verdicts.length} guarantees held${failed.length > 0 ? `, ${failed.length} broken` : ''}`;
  return [...details, failed.length === 0 ? style.ok(line) : style.bad(line)].join('\n\n');
}
