import { appendFile } from 'node:fs/promises';
import type { RunReport, Verdict } from '../verdict.js';
import { guaranteesNotRun } from './not-run.js';

/**
 * `--reporter github`: what GitHub Actions shows of a run. A workflow command per guarantee that did not hold
 * (`::error` for a broken one, `::warning` for one not judged) puts it on the run's summary page, and a markdown table
 * of every verdict goes to the job summary (the file `$GITHUB_STEP_SUMMARY` names). A run where every guarantee held
 * writes no annotation.
 */
export interface GithubReportOptions {
  /** The file the annotations point at (the config file the run read), relative to the repository. */
  readonly file?: string | undefined;
}

const MAX_FINDINGS = 5;

/** The annotation lines (empty when every guarantee held). */
export function githubAnnotations(reports: readonly RunReport[], options: GithubReportOptions = {}): string[] {
  return reports.flatMap((report) =>
    report.results.flatMap((verdict) => {
      if (verdict.status === 'pass') return [];
      const broken = verdict.status === 'fail';
      const properties = [
        ...(options.file === undefined ? [] : [`file=${escapeProperty(options.file)}`]),
        `title=${escapeProperty(`${verdict.guarantee} ${broken ? 'broke' : 'not judged'} (${report.provider})`)}`,
      ].join(',');
      return [`::${broken ? 'error' : 'warning'} ${properties}::${escapeData(annotationText(verdict))}`];
    }),
  );
}

/** What an annotation says: the verdict's summary, each finding with its reason code, where to look, the replay. */
function annotationText(verdict: Verdict): string {
  if (verdict.status === 'unknown') return `${verdict.title}: ${verdict.reason ?? verdict.summary}`;
  return [
    `${verdict.title}: ${verdict.summary}`,
    ...verdict.findings.slice(0, MAX_FINDINGS).map((f) => `[${f.reason}] ${f.problem}`),
    ...(verdict.findings.length > MAX_FINDINGS ? [`… ${verdict.findings.length - MAX_FINDINGS} more findings`] : []),
    ...(verdict.diagnosis === null ? [] : [`where to look: ${verdict.diagnosis}`]),
    `replay: ${verdict.replay}`,
  ].join('\n');
}

/** The job summary: a heading with the counts, a row per guarantee, then each broken one's findings and replay. */
export function githubStepSummary(reports: readonly RunReport[]): string {
  const verdicts = reports.flatMap((r) => r.results);
  const broken = verdicts.filter((v) => v.status === 'fail');
  const unknown = verdicts.filter((v) => v.status === 'unknown');
  const held = verdicts.length - broken.length - unknown.length;
  const counts = [`${held} of ${verdicts.length} guarantees held`];
  if (broken.length > 0) counts.push(`${broken.length} broken`);
  if (unknown.length > 0) counts.push(`${unknown.length} not judged`);
  const word = { pass: '✅ held', fail: '❌ broken', unknown: '⚠️ not judged' } as const;
  const rows = reports.flatMap((report) => [
    ...report.results.map((v) => {
      const why = v.status === 'fail' ? (v.findings[0]?.reason ?? 'check.error') : (v.reason ?? '');
      return row([report.provider, `\`${v.guarantee}\` ${v.title}`, word[v.status], String(v.deliveries), why]);
    }),
    ...guaranteesNotRun(report).map((g) =>
      row([report.provider, `\`${g.guarantee}\` ${g.title}`, '➖ skipped', '0', g.reason]),
    ),
  ]);
  const details = broken.map((v) =>
    [
      `### ❌ ${v.guarantee} (${v.provider}, seed ${v.seed})`,
      '',
      ...v.findings.slice(0, MAX_FINDINGS).map((f) => `- \`${f.reason}\` ${oneLine(f.problem)}`),
      ...(v.diagnosis === null ? [] : ['', `Where to look: ${oneLine(v.diagnosis)}`]),
      '',
      '```sh',
      v.replay,
      '```',
    ].join('\n'),
  );
  return [
    `## ipn-gauntlet: ${counts.join(', ')}`,
    '',
    row(['Provider', 'Guarantee', 'Verdict', 'Deliveries', 'Why']),
    row(['---', '---', '---', '---:', '---']),
    ...rows,
    '',
    ...details.flatMap((d) => [d, '']),
  ]
    .join('\n')
    .trimEnd();
}

/** Prints the annotations and, where `$GITHUB_STEP_SUMMARY` names a file, appends the job summary to it. */
export async function writeGithubReport(
  reports: readonly RunReport[],
  io: { readonly stdout: { write(text: string): unknown }; readonly env: NodeJS.ProcessEnv },
  options: GithubReportOptions = {},
): Promise<void> {
  for (const line of githubAnnotations(reports, options)) io.stdout.write(`${line}\n`);
  const summary = io.env.GITHUB_STEP_SUMMARY;
  if (summary !== undefined && summary !== '') await appendFile(summary, `${githubStepSummary(reports)}\n`);
}

function row(cells: readonly string[]): string {
  return `| ${cells.map((cell) => oneLine(cell).replaceAll('|', '\\|')).join(' | ')} |`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** A workflow command's message: `%`, CR and LF escaped (GitHub's toolkit `escapeData`). */
function escapeData(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

/** A workflow command's property value: also `:` and `,` (GitHub's toolkit `escapeProperty`). */
function escapeProperty(text: string): string {
  return escapeData(text).replaceAll(':', '%3A').replaceAll(',', '%2C');
}
