// Copies the known-answer signing vectors (contracts/vectors/*.json) beside the compiled contracts, where
// `signingVectors` reads them (relative to its module), so the installed package has them. A file already equal is
// left alone: a build with nothing changed writes nothing.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';

const from = new URL('../contracts/vectors/', import.meta.url);
const to = new URL('../dist/contracts/vectors/', import.meta.url);
mkdirSync(to, { recursive: true });
for (const name of readdirSync(from).filter((file) => file.endsWith('.json'))) {
  const text = readFileSync(new URL(name, from));
  const target = new URL(name, to);
  let current = null;
  try {
    current = readFileSync(target);
  } catch {}
  if (current === null || !current.equals(text)) writeFileSync(target, text);
}
