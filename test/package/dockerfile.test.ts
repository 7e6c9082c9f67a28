/**
 * The Dockerfile, checked without Docker (none on the test machines): every file it copies from the build context
 * exists and is not excluded by .dockerignore, each stage starts from node:20-slim, and the entrypoint is the
 * package's own command.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { repoRoot } from './packed-project.js';

const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const dockerignore = readFileSync(join(repoRoot, '.dockerignore'), 'utf8');
const bin = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin;

/** The Dockerfile's instructions, one per entry, backslash continuations joined. */
function instructions(text: string): { op: string; args: string }[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
    .map((line) => {
      const [op = '', ...rest] = line.trim().split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

function dockerfileProblems(text: string, ignore: string, exists: (path: string) => boolean): string[] {
  const steps = instructions(text);
  const ignored = ignore.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
  const problems: string[] = [];
  for (const { op, args } of steps) {
    if (op === 'FROM' && !/^node:20-slim(\s|$)/.test(args)) problems.push(`FROM ${args} is not node:20-slim`);
    if (op !== 'COPY' || args.startsWith('--from=')) continue;
    for (const source of args.split(/\s+/).slice(0, -1)) {
      if (!exists(source)) problems.push(`COPY ${source}: no such file`);
      if (ignored.some((pattern) => source === pattern || source.startsWith(`${pattern}/`)))
        problems.push(`COPY ${source}: excluded by .dockerignore`);
    }
  }
  const entrypoint = steps.findLast((s) => s.op === 'ENTRYPOINT')?.args ?? '';
  const command = (JSON.parse(entrypoint || '[]') as string[])[0];
  const linked = steps.some(
    (s) => s.op === 'RUN' && s.args.includes(`ln -s /app/${bin['ipn-gauntlet']} /usr/local/bin/${command}`),
  );
  if (command !== 'ipn-gauntlet' || !linked) problems.push(`ENTRYPOINT ${entrypoint} is not the package's bin`);
  for (const step of ['npm ci', 'npm run build', 'npm prune --omit=dev'])
    if (!steps.some((s) => s.op === 'RUN' && s.args.includes(step))) problems.push(`no RUN ${step}`);
  if (steps.filter((s) => s.op === 'FROM').length < 2) problems.push('not a multi-stage build');
  return problems;
}

const inRepo = (path: string) => existsSync(join(repoRoot, path));

test('the Dockerfile copies only files that exist and are in the build context, and runs the package command', () => {
  expect(instructions(dockerfile).filter((s) => s.op === 'FROM')).toHaveLength(2);
  expect(dockerfileProblems(dockerfile, dockerignore, inRepo)).toEqual([]);
});

test('a missing file, an ignored one, another base image and another entrypoint are each reported', () => {
  const broken = dockerfile
    .replace('COPY packaging ./packaging', 'COPY packaging ./packaging\nCOPY tools ./tools\nCOPY test ./test')
    .replace('FROM node:20-slim AS build', 'FROM node:22 AS build')
    .replace('ENTRYPOINT ["ipn-gauntlet"]', 'ENTRYPOINT ["node", "main.js"]');
  expect(dockerfileProblems(broken, dockerignore, inRepo)).toEqual([
    'FROM node:22 AS build is not node:20-slim',
    'COPY tools: no such file',
    'COPY test: excluded by .dockerignore',
    `ENTRYPOINT ["node", "main.js"] is not the package's bin`,
  ]);
});
