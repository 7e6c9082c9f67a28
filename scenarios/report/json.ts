import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RunReport } from '../verdict.js';

/** `--json FILE`: one run's report, or for several providers `{ tool, seed, runs: [...] }`. */
export async function writeJsonReport(file: string, reports: readonly RunReport[]): Promise<void> {
  const first = reports[0];
  const body =
    reports.length === 1 && first !== undefined ? first : { tool: 'ipn-gauntlet', seed: first?.seed, runs: reports };
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(body, null, 2)}\n`);
}
