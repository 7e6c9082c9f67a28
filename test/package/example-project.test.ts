/**
 * examples/user-receiver is a project of its own: its package.json starts the receiver its config points at and
 * declares every package its files import (ipn-gauntlet from this folder, as `file:../..`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { importSpecifiers } from '../architecture/import-graph.js';
import { repoRoot } from './packed-project.js';

const folder = join(repoRoot, 'examples/user-receiver');
const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const sources = Object.fromEntries(
  readdirSync(folder)
    .filter((file) => /\.(ts|mjs)$/.test(file))
    .map((file) => [file, readFileSync(join(folder, file), 'utf8')]),
);

/** Packages the files import that the manifest does not declare, and programs its scripts run that it does not. */
function undeclared(files: Record<string, string>, pkg: typeof manifest): string[] {
  const declared = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)]);
  const imported = Object.values(files).flatMap((text) =>
    importSpecifiers(text)
      .filter((s) => !s.startsWith('.') && !s.startsWith('node:'))
      .map((s) => s.match(/^(@[^/]+\/)?[^/]+/)?.[0] ?? s),
  );
  const programs = Object.values(pkg.scripts).map((script) => script.split(' ')[0] ?? '');
  return [...new Set([...imported, ...programs])].filter((name) => !declared.has(name)).sort();
}

test('the example declares every package it imports and every program its scripts run', () => {
  expect(undeclared(sources, manifest)).toEqual([]);
  expect(manifest.devDependencies['ipn-gauntlet']).toBe('file:../..');
});

test('a package imported but not declared is reported', () => {
  const { stripe: _stripe, ...withoutStripe } = manifest.dependencies;
  const { tsx: _tsx, ...withoutTsx } = manifest.devDependencies;
  expect(undeclared(sources, { ...manifest, dependencies: withoutStripe, devDependencies: withoutTsx })).toEqual([
    'stripe',
    'tsx',
  ]);
});

test('npm start serves the receiver on the port the config file targets', () => {
  const started = manifest.scripts.start?.split(' ').at(-1) ?? '';
  expect(Object.keys(sources)).toContain(started);
  const port = sources[started]?.match(/process\.env\.PORT \?\? (\d+)/)?.[1];
  const config = sources['ipn-gauntlet.config.mjs'] ?? '';
  expect(config).toContain(`target: 'http://127.0.0.1:${port}/webhooks/stripe'`);
  expect(config).toContain(`probe: 'http://127.0.0.1:${port}/ipn-probe'`);
});
