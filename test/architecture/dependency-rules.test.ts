import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { checkImports, formatViolation, importSpecifiers, layers, type SourceText } from './import-graph.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Every .ts file of the layers, by repository-relative POSIX path. */
function sourceTree(): SourceText[] {
  return layers.flatMap((layer) => {
    const dir = join(root, layer);
    if (!existsSync(dir)) return [];
    return readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.ts'))
      .map((name) => {
        const path = `${layer}/${name.split('\\').join('/')}`;
        return { path, text: readFileSync(join(root, path), 'utf8') };
      });
  });
}

const check = (path: string, text: string) => checkImports([{ path, text }]).map(formatViolation);

test('the source tree follows the dependency rules of docs/design.md', () => {
  const files = sourceTree();
  expect(files.filter((f) => f.path.startsWith('contracts/')).length).toBeGreaterThan(5);
  expect(checkImports(files).map(formatViolation)).toEqual([]);
});

test('a receiver module importing the simulator is reported as file → specifier', () => {
  expect(check('receiver/app.ts', "import { x } from '../simulator/world.js';\n")).toEqual([
    'receiver/app.ts → ../simulator/world.js (receiver/ may import contracts/ only)',
  ]);
});

describe('the rules, one import at a time', () => {
  test.each([
    { file: 'contracts/providers/stripe.ts', specifier: '../lifecycle.js', allowed: true },
    { file: 'contracts/money.ts', specifier: '../simulator/world.js', allowed: false },
    { file: 'contracts/money.ts', specifier: '../package.json', allowed: false },
    { file: 'contracts/money.ts', specifier: '../../elsewhere/x.js', allowed: false },
    { file: 'simulator/faults/forge.ts', specifier: '../../contracts/provider.js', allowed: true },
    { file: 'simulator/plan.ts', specifier: '../receiver/app.js', allowed: false },
    { file: 'simulator/plan.ts', specifier: '../scenarios/runner.js', allowed: false },
    { file: 'receiver/app.ts', specifier: '../contracts/probe.js', allowed: true },
    { file: 'receiver/app.ts', specifier: '../scenarios/runner.js', allowed: false },
    { file: 'receiver/app.ts', specifier: '../test/support/listen.js', allowed: false },
    { file: 'scenarios/cli/main.ts', specifier: '../../receiver/app.js', allowed: true },
    { file: 'scenarios/runner.ts', specifier: '../simulator/index.js', allowed: true },
    { file: 'receiver/app.ts', specifier: 'fastify', allowed: true },
    { file: 'contracts/clock.ts', specifier: 'node:crypto', allowed: true },
  ])('$file importing $specifier is allowed: $allowed', ({ file, specifier, allowed }) => {
    expect(check(file, `import { x } from '${specifier}';`)).toHaveLength(allowed ? 0 : 1);
  });

  test('export-from, side-effect and dynamic imports count; comments and strings do not', () => {
    const text = [
      "// import { a } from '../simulator/commented.js';",
      'const s = "import(\'../simulator/in-a-string.js\')";',
      "export { b } from '../simulator/reexported.js';",
      "import '../simulator/side-effect.js';",
      "const c = await import('../simulator/dynamic.js');",
      "import type { D } from\n  '../simulator/type-only.js';",
    ].join('\n');
    expect(importSpecifiers(text)).toEqual([
      '../simulator/reexported.js',
      '../simulator/side-effect.js',
      '../simulator/dynamic.js',
      '../simulator/type-only.js',
    ]);
    expect(check('receiver/store.ts', text)).toHaveLength(4);
  });

  test('tests and files outside the layers are not checked', () => {
    const text = "import { x } from '../simulator/world.js';";
    expect(check('receiver/app.test.ts', text)).toEqual([]);
    expect(check('test/receiver/app.ts', text)).toEqual([]);
  });
});
