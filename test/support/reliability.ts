import { appendFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { expect } from 'vitest';

/**
 * The reliability suite's two sizes. `npm test` runs test/reliability/ small; `npm run reliability` runs the same
 * tests with `IPN_RELIABILITY=large` (thousands of requests, crash bursts of 3,000 events, several runs each) and
 * collects the figures they record into bench/reliability-results.md.
 */
export const large = process.env.IPN_RELIABILITY === 'large';

/** `small` in `npm test`, `big` in `npm run reliability`; an `IPN_RELIABILITY_<NAME>` variable overrides either. */
export function sized(name: string, small: number, big: number): number {
  const given = process.env[`IPN_RELIABILITY_${name}`];
  if (given !== undefined && given !== '') {
    const value = Number(given);
    if (!Number.isInteger(value) || value <= 0) {
      throw new Error(`IPN_RELIABILITY_${name} must be a positive whole number, got ${JSON.stringify(given)}`);
    }
    return value;
  }
  return large ? big : small;
}

/** A test's timeout for work that grows with its size: `perUnitMs` per unit on top of `baseMs`. */
export function timeoutFor(units: number, perUnitMs: number, baseMs = 60_000): number {
  return baseMs + Math.ceil(units * perUnitMs);
}

/** One row of figures: column name → value, in the order the columns are shown. */
export type FigureRow = Readonly<Record<string, string | number | boolean>>;

/**
 * Records one row of a section's table when the run collects figures (`IPN_RELIABILITY_FIGURES` names a JSON-lines
 * file, set by bench/reliability.ts); otherwise does nothing. Call it before the test's assertions, so a run that
 * fails still shows what it measured; whether the test passed is reported beside the figures.
 */
export async function recordFigures(section: string, row: FigureRow): Promise<void> {
  const file = process.env.IPN_RELIABILITY_FIGURES;
  if (file === undefined || file === '') return;
  const { testPath, currentTestName } = expect.getState();
  const line = { file: relative(process.cwd(), testPath ?? ''), test: currentTestName ?? '', section, row };
  await appendFile(file, `${JSON.stringify(line)}\n`);
}
