// The published package.json: `npm pack` runs `strip` before packing (prepack) and `restore` after (postpack).
// What only this repository needs is removed: the scripts (prepare would build from sources that are not shipped, and
// npm warns about install scripts), the devDependencies and the allowScripts policy for them.
//
// Publish the packed tarball (`npm pack && npm publish ipn-gauntlet-<version>.tgz`): the registry then takes the
// manifest inside it, the stripped one.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

export const repositoryOnly = ['scripts', 'devDependencies', 'allowScripts'];

const file = new URL('../package.json', import.meta.url);
const saved = new URL('../node_modules/.cache/ipn-gauntlet-pack/package.json', import.meta.url);

/** The manifest as published: the repository's without the keys only the repository needs. */
export function publishedManifest(manifest) {
  return Object.fromEntries(Object.entries(manifest).filter(([key]) => !repositoryOnly.includes(key)));
}

const text = (manifest) => `${JSON.stringify(manifest, null, 2)}\n`;

function strip() {
  const original = readFileSync(file, 'utf8');
  mkdirSync(new URL('./', saved), { recursive: true });
  writeFileSync(saved, original);
  writeFileSync(file, text(publishedManifest(JSON.parse(original))));
}

/**
 * Puts the repository's keys back. When package.json was edited while packing, the edit is kept and only the removed
 * keys are added back; otherwise the file is restored byte for byte.
 */
function restore() {
  const original = readFileSync(saved, 'utf8');
  const current = readFileSync(file, 'utf8');
  const stripped = text(publishedManifest(JSON.parse(original)));
  if (current === stripped) writeFileSync(file, original);
  else {
    const removed = Object.fromEntries(repositoryOnly.map((key) => [key, JSON.parse(original)[key]]));
    writeFileSync(file, text({ ...JSON.parse(current), ...removed }));
  }
  rmSync(saved);
}

const command = process.argv[2];
if (command === 'strip') strip();
else if (command === 'restore') restore();
else if (command !== undefined) {
  process.stderr.write(`usage: node packaging/manifest.mjs strip|restore (got ${command})\n`);
  process.exit(2);
}
