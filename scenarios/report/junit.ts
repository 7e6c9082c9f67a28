import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RunReport } from '../verdict.js';
import { failureDetails, plain } from './console.js';
import { guaranteesNotRun } from './not-run.js';

/**
 * `--junit FILE`: one test suite per provider, one test case per guarantee; a failure's text is its evidence, and a
 * guarantee that could not be judged (unknown), that no scenario checks for the provider (not applicable) or that needs
 * the gauntlet to start the receiver is `<skipped>` with the reason.
 */
export function junitXml(reports: readonly RunReport[]): string {
  const verdicts = reports.flatMap((r) => r.results);
  const failures = verdicts.filter((v) => v.status === 'fail').length;
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const notRun = reports.map((report) => guaranteesNotRun(report));
  const suites = reports.map((report, index) => {
    const skippedCase = (name: string, reason: string, time: string) =>
      [
        `    <testcase classname="ipn-gauntlet.${xmlText(report.provider)}" name="${xmlText(name)}" time="${time}">`,
        `      <skipped message="${xmlText(reason)}"/>`,
        '    </testcase>',
      ].join('\n');
    const cases = report.results.map((verdict) => {
      const open = `    <testcase classname="ipn-gauntlet.${xmlText(report.provider)}" name="${xmlText(verdict.guarantee)}: ${xmlText(verdict.title)}" time="${seconds(verdict.durationMs)}"`;
      if (verdict.status === 'pass') return `${open}/>`;
      if (verdict.status === 'unknown') {
        return skippedCase(
          `${verdict.guarantee}: ${verdict.title}`,
          verdict.reason ?? verdict.summary,
          seconds(verdict.durationMs),
        );
      }
      return [
        `${open}>`,
        `      <failure message="${xmlText(verdict.summary)}" type="${xmlText(verdict.guarantee)}">${xmlText(failureDetails(verdict, plain))}</failure>`,
        '    </testcase>',
      ].join('\n');
    });
    const absent = (notRun[index] ?? []).map((g) => skippedCase(`${g.guarantee}: ${g.title}`, g.reason, seconds(0)));
    const failed = report.results.filter((v) => v.status === 'fail').length;
    const skipped = report.results.filter((v) => v.status === 'unknown').length + absent.length;
    return [
      `  <testsuite name="ipn-gauntlet ${xmlText(report.provider)}" tests="${cases.length + absent.length}" failures="${failed}" errors="0" skipped="${skipped}" time="${seconds(report.durationMs)}" timestamp="${xmlText(report.startedAt)}">`,
      `    <properties><property name="seed" value="${report.seed}"/><property name="target" value="${xmlText(report.target)}"/></properties>`,
      ...cases,
      ...absent,
      '  </testsuite>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="ipn-gauntlet" tests="${verdicts.length + notRun.flat().length}" failures="${failures}" errors="0">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

export async function writeJunitReport(file: string, reports: readonly RunReport[]): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, junitXml(reports));
}

/** Escapes text for XML attributes and content, dropping characters XML 1.0 cannot carry. */
export function xmlText(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD]/gu, '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}
