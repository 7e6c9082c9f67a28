import { existsSync, readFileSync } from 'node:fs';
import { expect, test } from 'vitest';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  exports: Record<string, string | { types: string; import: string }>;
  bin: Record<string, string>;
};

/** Every public entry point in the exports map is compiled from a source module that exists. */
test.each(Object.entries(pkg.exports).filter(([, target]) => typeof target !== 'string'))(
  'the export %s is built from an existing source module',
  async (_name, target) => {
    if (typeof target === 'string') return;
    const source = target.import.replace(/^\.\/dist\//, '../../').replace(/\.js$/, '.ts');
    expect(existsSync(new URL(source, import.meta.url))).toBe(true);
    expect(target.types).toBe(target.import.replace(/\.js$/, '.d.ts'));
    const module: Record<string, unknown> = await import(source.replace(/\.ts$/, '.js'));
    expect(Object.keys(module).length).toBeGreaterThan(0);
  },
);

test('the command is a file in the package', () => {
  expect(existsSync(new URL(`../../${pkg.bin['ipn-gauntlet']}`, import.meta.url))).toBe(true);
});

test('ipn-gauntlet/msw is a public entry point whose handlers msw accepts', async () => {
  const target = pkg.exports['./msw'];
  expect(typeof target === 'object' ? target.import : target).toBe('./dist/simulator/msw/index.js');
  const { gatewayHandlers } = await import('../../simulator/msw/index.js');
  const { RequestHandler } = await import('msw');
  const handlers = gatewayHandlers({ seed: 1, providers: ['paypal-ipn', 'stripe'] });
  expect(handlers.map((h) => h.info.header)).toEqual([
    'POST https://ipnpb.paypal.com/cgi-bin/webscr',
    'POST https://ipnpb.sandbox.paypal.com/cgi-bin/webscr',
    'GET https://api.stripe.com/v1/events',
    'GET https://api.stripe.com/v1/events/:id',
    'GET https://api.stripe.com/v1/payment_intents/:id',
  ]);
  for (const handler of handlers) expect(handler).toBeInstanceOf(RequestHandler);
});

test('ipn-gauntlet/vitest is exported and gives describeGuarantees', async () => {
  expect(pkg.exports['./vitest']).toEqual({
    types: './dist/scenarios/vitest/index.d.ts',
    import: './dist/scenarios/vitest/index.js',
  });
  const entry: Record<string, unknown> = await import('../../scenarios/vitest/index.js');
  expect(typeof entry.describeGuarantees).toBe('function');
});
