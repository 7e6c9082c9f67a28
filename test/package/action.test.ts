/**
 * action.yml, the composite GitHub Action, read line by line (no YAML library is a dependency): every input it uses is
 * declared and every declared input is used, it uploads the reports, and every flag it passes to `ipn-gauntlet run`
 * exists in `run --help`. Runs the built command (`npm run build`).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { repoRoot } from './packed-project.js';

const action = readFileSync(join(repoRoot, 'action.yml'), 'utf8');

/** The keys of the top-level `inputs:` block: the lines indented by exactly two spaces until the next top-level key. */
function declaredInputs(text: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf('inputs:');
  if (start === -1) return [];
  const block = lines.slice(start + 1);
  const end = block.findIndex((line) => /^\S/.test(line));
  return (end === -1 ? block : block.slice(0, end)).flatMap((line) => line.match(/^ {2}([\w-]+):/)?.[1] ?? []);
}

/** The flags the `npx … run` command line passes, its backslash-continued lines joined. */
function runFlags(text: string): string[] {
  const command = text.replace(/\\\n\s*/g, ' ').match(/npx\s.*?\srun\s(.*)/)?.[1] ?? '';
  return [...command.matchAll(/(?:^|\s)(--[a-z][a-z-]*)/g)].flatMap((m) => m[1] ?? []);
}

function actionProblems(text: string, runHelp: string): string[] {
  const declared = declaredInputs(text);
  const used = [...new Set([...text.matchAll(/\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g)].flatMap((m) => m[1] ?? []))];
  const flags = runFlags(text);
  return [
    ...used.filter((name) => !declared.includes(name)).map((name) => `inputs.${name} is used but not declared`),
    ...declared.filter((name) => !used.includes(name)).map((name) => `input ${name} is declared but never used`),
    ...(flags.length === 0 ? ['no `ipn-gauntlet run` command'] : []),
    ...flags.filter((flag) => !new RegExp(`^\\s*${flag}\\b`, 'm').test(runHelp)).map((f) => `run has no ${f} flag`),
    ...(/^ {2}using: composite$/m.test(text) ? [] : ['not a composite action']),
    ...(/uses: actions\/upload-artifact@v\d+/.test(text) ? [] : ['the reports are not uploaded']),
  ];
}

const runHelp = promisify(execFile)(process.execPath, [join(repoRoot, 'bin/ipn-gauntlet.js'), 'run', '--help']).then(
  (out) => out.stdout,
);

test('action.yml declares every input it uses and passes run only flags that run --help lists', async () => {
  expect(declaredInputs(action)).toEqual(expect.arrayContaining(['providers', 'target', 'probe', 'secret', 'args']));
  expect(runFlags(action)).toEqual(expect.arrayContaining(['--provider', '--target', '--probe', '--junit', '--json']));
  expect(actionProblems(action, await runHelp)).toEqual([]);
});

test('an undeclared input, an unused one, an unknown flag and a missing upload are each reported', async () => {
  const broken = action
    .replace(`\${{ inputs.probe }}`, `\${{ inputs.probe-url }}`)
    .replace('--junit "$REPORTS/$id.junit.xml"', '--junit-file "$REPORTS/$id.junit.xml"')
    .replace('actions/upload-artifact@v4', 'actions/cache@v4');
  expect(actionProblems(broken, await runHelp)).toEqual([
    'inputs.probe-url is used but not declared',
    'input probe is declared but never used',
    'run has no --junit-file flag',
    'the reports are not uploaded',
  ]);
});

test('the secret reaches the command through the environment, never on its command line', () => {
  expect(action).toContain(`IPN_GAUNTLET_SECRET: \${{ inputs.secret }}`);
  expect(runFlags(action)).not.toContain('--secret');
});
