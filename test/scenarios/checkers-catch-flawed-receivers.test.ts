import { afterEach, describe, expect, test } from 'vitest';
import type { GuaranteeId } from '../../contracts/guarantees.js';
import { type ProviderId, providers } from '../../contracts/providers/index.js';
import { buildFlawedReceiver, type Flaw } from '../fixtures/flawed-receiver.js';
import { gauntletAgainst, statusOf } from '../support/gauntlet.js';
import { listenOnLoopback } from '../support/listen.js';

/** Each checker with the planted bug it must catch. */
const catches: readonly { guarantee: GuaranteeId; flaw: Flaw; providers?: readonly ProviderId[] }[] = [
  { guarantee: 'auth.forged-rejected', flaw: 'no-verification' },
  { guarantee: 'auth.forged-rejected', flaw: 'fails-open-without-header' },
  // Stripe's bodies are pretty-printed, so re-serialized JSON never matches: every genuine delivery is refused.
  // Standard Webhooks bodies are compact, so the same bug only shows once bodies are reformatted (compat.reformat).
  { guarantee: 'auth.forged-rejected', flaw: 'verifies-reserialized-json', providers: ['stripe'] },
  { guarantee: 'auth.replay-window', flaw: 'no-timestamp-tolerance' },
  { guarantee: 'idem.sequential', flaw: 'applies-every-delivery' },
  { guarantee: 'idem.concurrent', flaw: 'check-then-insert-race' },
  { guarantee: 'idem.resigned', flaw: 'dedupe-on-signature-header' },
  { guarantee: 'order.final-state', flaw: 'last-write-wins' },
  { guarantee: 'consistency.amount', flaw: 'no-amount-check' },
  { guarantee: 'compat.rotation', flaw: 'first-signature-only' },
  { guarantee: 'robust.bad-input', flaw: 'throws-on-bad-json' },
];

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function flawed(providerId: ProviderId, flaw: Flaw | 'none') {
  const secret = providers[providerId].secret.generate(new Uint8Array(32).fill(7));
  const app = buildFlawedReceiver({ provider: providerId, secret, flaw });
  const base = await listenOnLoopback(app);
  closers.push(() => app.close());
  return { base, secret };
}

describe.each(Object.keys(providers) as ProviderId[])('%s', (providerId) => {
  const cases = catches.filter((c) => c.providers === undefined || c.providers.includes(providerId));

  test.each(cases)('$guarantee fails on a receiver with the flaw $flaw', async ({ guarantee, flaw }) => {
    const { base, secret } = await flawed(providerId, flaw);
    const report = await gauntletAgainst(base, providerId, secret, { only: [guarantee] });
    const verdict = report.results[0];
    expect(verdict?.guarantee).toBe(guarantee);
    expect(verdict?.status).toBe('fail');
    expect(verdict?.findings.length).toBeGreaterThan(0);
    expect(verdict?.replay).toContain(guarantee);
  });

  test('every guarantee holds on the same receiver without a flaw', async () => {
    const { base, secret } = await flawed(providerId, 'none');
    const report = await gauntletAgainst(base, providerId, secret);
    const failures = report.results.filter((r) => r.status === 'fail').map((r) => `${r.guarantee}: ${r.summary}`);
    expect(failures).toEqual([]);
    for (const { guarantee } of cases) expect(statusOf(report, guarantee)).toBe('pass');
  });
});
