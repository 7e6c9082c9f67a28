import { posix } from 'node:path';
import ts from 'typescript';

/** docs/design.md "Layout": the top-level folders each layer may import besides itself. Nothing may import `scenarios/`. */
export const layerRules = {
  contracts: [],
  simulator: ['contracts'],
  receiver: ['contracts'],
  scenarios: ['contracts', 'simulator', 'receiver'],
} as const satisfies Record<string, readonly string[]>;

export type Layer = keyof typeof layerRules;
export const layers = Object.keys(layerRules) as Layer[];

/** A source file by its repository-relative POSIX path (`receiver/app.ts`) and its text. */
export interface SourceText {
  readonly path: string;
  readonly text: string;
}

export interface Violation {
  readonly file: string;
  readonly specifier: string;
  /** The top-level folder the specifier resolves to; `..` when it leaves the project. */
  readonly target: string;
  readonly rule: string;
}

function isLayer(folder: string): folder is Layer {
  return Object.hasOwn(layerRules, folder);
}

/** Tests may reach across layers; `*.test.ts` beside the source are not checked. */
export function isTestFile(path: string): boolean {
  return /\.test\.ts$/.test(path);
}

/**
 * Every module specifier a file imports: `import … from`, side-effect `import '…'`, `export … from` and dynamic
 * `import('…')` with a literal. TypeScript's own scanner reads them, so comments and strings are never mistaken for one.
 */
export function importSpecifiers(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((file) => file.fileName);
}

/** The top-level folder a relative specifier in `file` points into, `..` outside the project, null for packages. */
export function targetFolder(file: string, specifier: string): string | null {
  if (!/^\.\.?(\/|$)/.test(specifier)) return null;
  const resolved = posix.normalize(posix.join(posix.dirname(file), specifier));
  if (resolved === '..' || resolved.startsWith('../')) return '..';
  return resolved.split('/')[0] ?? resolved;
}

function ruleOf(layer: Layer): string {
  const allowed: readonly string[] = layerRules[layer];
  return allowed.length === 0
    ? `${layer}/ imports nothing of the project`
    : `${layer}/ may import ${allowed.map((folder) => `${folder}/`).join(', ')} only`;
}

/** The imports that break the layer rules, in file order. Files outside the layers and test files are skipped. */
export function checkImports(files: readonly SourceText[]): Violation[] {
  const violations: Violation[] = [];
  for (const { path, text } of files) {
    const layer = path.split('/')[0] ?? '';
    if (!isLayer(layer) || isTestFile(path)) continue;
    const allowed: readonly string[] = layerRules[layer];
    for (const specifier of importSpecifiers(text)) {
      const target = targetFolder(path, specifier);
      if (target === null || target === layer || allowed.includes(target)) continue;
      violations.push({ file: path, specifier, target, rule: ruleOf(layer) });
    }
  }
  return violations;
}

/** `receiver/app.ts → ../simulator/world.js (receiver/ may import contracts/ only)` */
export function formatViolation(violation: Violation): string {
  return `${violation.file} → ${violation.specifier} (${violation.rule})`;
}
