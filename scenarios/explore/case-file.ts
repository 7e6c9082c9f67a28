import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { IpnError } from '../../contracts/errors.js';
import { GuaranteeIdSchema } from '../../contracts/guarantees.js';
import { FindingReasonSchema } from '../verdict.js';
import { ExclusionSchema } from './exclusions.js';
import { ExplorePlanSchema } from './plan-model.js';

/**
 * A failing case as a file a person can read and a CI can keep: which receiver it was found against, what to play
 * (an explored plan, or a scenario of the catalog by guarantee and seed) and the verdict it got. No ids, signatures or
 * secret: those are made afresh when it is replayed. `ipn-gauntlet replay FILE` plays it again; `ipn-gauntlet run
 * --cases DIR` plays every case in DIR as a regression suite, where a case passes once the receiver handles it.
 */
const common = {
  tool: z.literal('ipn-gauntlet'),
  format: z.literal(1),
  /** The ipn-gauntlet version that wrote it. */
  version: z.string(),
  provider: z.string(),
  seed: z.number().int().nonnegative(),
  /** Where the receiver was when the case was found; `replay --target/--probe` point it elsewhere. */
  target: z.string(),
  probe: z.string(),
  createdAt: z.string(),
  /** The verdict when the case was saved: what a replay of the same receiver is expected to give again. */
  verdict: z.object({ status: z.enum(['pass', 'fail', 'unknown']), problems: z.array(z.string()) }),
};

/**
 * Found by `explore`: the shrunk plan of one root cause, the guarantee it breaks and where to look, what its search
 * left out (`--exclude` and the root causes found before it), and fast-check's path to the counterexample before the
 * last simplification (`explore --seed S --exclude X --path P` finds it again).
 */
export const ExploreCaseSchema = z.object({
  ...common,
  kind: z.literal('explore'),
  path: z.string().nullable(),
  exclude: z.array(ExclusionSchema).default([]),
  cause: z
    .object({ guarantee: GuaranteeIdSchema, reason: FindingReasonSchema, diagnosis: z.string() })
    .nullable()
    .default(null),
  plan: ExplorePlanSchema,
});

/** Found by `run --save-cases`: one guarantee's scenario with the run's seed (what `run --seed S --only G` replays). */
export const ScenarioCaseSchema = z.object({ ...common, kind: z.literal('scenario'), guarantee: GuaranteeIdSchema });

export const CaseFileSchema = z.discriminatedUnion('kind', [ExploreCaseSchema, ScenarioCaseSchema]);
export type CaseFile = z.infer<typeof CaseFileSchema>;
export type ExploreCase = z.infer<typeof ExploreCaseSchema>;

/** The default directory failing cases are written to. */
export const DEFAULT_CASES_DIR = '.ipn-gauntlet/cases';

export function caseFileName(found: CaseFile): string {
  return found.kind === 'explore'
    ? `${found.provider}-seed${found.seed}-${found.cause === null ? '' : `${found.cause.guarantee}-`}` +
        `${found.plan.ops.length}ops-${hash(JSON.stringify(found.plan))}.json`
    : `${found.provider}-seed${found.seed}-${found.guarantee}.json`;
}

export async function writeCaseFile(directory: string, found: CaseFile): Promise<string> {
  await mkdir(directory, { recursive: true });
  const file = join(directory, caseFileName(found));
  await writeFile(file, `${JSON.stringify(CaseFileSchema.parse(found), null, 2)}\n`);
  return file;
}

export async function readCaseFile(file: string): Promise<CaseFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new IpnError('IPN_ERR_CASE_INVALID', `cannot read the case file ${file} (${String(error)}).`, {
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new IpnError('IPN_ERR_CASE_INVALID', `the case file ${file} is not JSON.`);
  }
  const parsed = CaseFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new IpnError(
      'IPN_ERR_CASE_INVALID',
      `the case file ${file} is not an ipn-gauntlet case: ${issue?.path.join('.') || '(top)'} ${issue?.message ?? ''}.`,
    );
  }
  return parsed.data;
}

/** Every `*.json` case file in a directory, by name. */
export async function caseFilesIn(directory: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    throw new IpnError('IPN_ERR_CASE_INVALID', `cannot read the cases directory ${directory} (${String(error)}).`, {
      cause: error,
    });
  }
  const files = names.filter((name) => name.endsWith('.json')).sort();
  if (files.length === 0) {
    throw new IpnError('IPN_ERR_CASE_INVALID', `the cases directory ${directory} holds no *.json case file.`);
  }
  return files.map((name) => join(directory, name));
}

/** The version in the nearest package.json named ipn-gauntlet above this module (source or compiled). */
export function toolVersion(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth += 1) {
    try {
      const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === 'ipn-gauntlet' && typeof manifest.version === 'string') return manifest.version;
    } catch {
      // not here: look one level up
    }
    directory = dirname(directory);
  }
  return 'unknown';
}

function hash(text: string): string {
  let h = 0x811c9dc5;
  for (const char of text) h = Math.imul(h ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return h.toString(36);
}
