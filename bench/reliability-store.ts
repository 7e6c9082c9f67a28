import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';

/** One row a reliability test recorded (test/support/reliability.ts writes these as JSON lines). */
export interface FigureLine {
  readonly file: string;
  readonly test: string;
  readonly section: string;
  readonly row: Readonly<Record<string, string | number | boolean>>;
}

/** How one test of the large run ended, from vitest's JSON report. */
export interface TestOutcome {
  readonly file: string;
  readonly test: string;
  readonly status: string;
  readonly durationMs: number;
  /** The first line of its first failure, if it failed. */
  readonly failure: string | null;
}

/** One `npm run reliability` (or the part of an earlier one a later `--only` did not replace). */
export interface StoredRun {
  readonly ranAt: string;
  readonly machine: string;
  readonly figures: readonly FigureLine[];
  readonly outcomes: readonly TestOutcome[];
}

export async function readFigureLines(file: string): Promise<FigureLine[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as FigureLine);
}

interface VitestJson {
  readonly testResults?: readonly {
    readonly name: string;
    readonly assertionResults?: readonly {
      readonly fullName?: string;
      readonly title: string;
      readonly status: string;
      readonly duration?: number | null;
      readonly failureMessages?: readonly string[];
    }[];
  }[];
}

/** The tests vitest ran, from its `--reporter=json` file (none when it wrote none: it could not start). */
export async function testOutcomes(file: string, root: string): Promise<TestOutcome[]> {
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null) return [];
  const report = JSON.parse(text) as VitestJson;
  return (report.testResults ?? []).flatMap((result) =>
    (result.assertionResults ?? []).map((test) => ({
      file: relative(root, result.name),
      test: test.fullName ?? test.title,
      status: test.status,
      durationMs: Math.round(test.duration ?? 0),
      failure: test.failureMessages?.[0]?.split('\n')[0] ?? null,
    })),
  );
}
