import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, onTestFinished, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { failureDetails, plain } from '../../scenarios/report/console.js';
import { runGauntlet } from '../../scenarios/runner.js';
import { buildFlawedReceiver } from '../fixtures/flawed-receiver.js';
import { listenOnLoopback } from '../support/listen.js';

const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(23));

test('a wrongly answered delivery carries the curl that sends it again, and sending it gets the same answer', async () => {
  const app = buildFlawedReceiver({ provider: 'stripe', secret, flaw: 'no-verification' });
  onTestFinished(() => app.close());
  const base = await listenOnLoopback(app);
  const report = await runGauntlet({
    target: `${base}/webhooks/stripe`,
    probe: `${base}/ipn-probe`,
    provider: providers.stripe,
    secret,
    seed: 8,
    runId: 'repro',
    only: ['auth.forged-rejected'],
    replayCommand: (g) => g,
  });
  const verdict = report.results.find((v) => v.guarantee === 'auth.forged-rejected');
  if (verdict === undefined) throw new Error('no verdict for auth.forged-rejected');
  expect(verdict.status).toBe('fail');
  const reproduced = verdict.findings.flatMap((f) => f.deliveries).filter((d) => d.reproduce !== undefined);
  expect(reproduced.length).toBeGreaterThan(0);
  expect(reproduced.length).toBeLessThanOrEqual(3);
  for (const delivery of reproduced) {
    // Every one is a forgery the receiver accepted: sent again byte for byte, it is accepted again.
    expect(delivery).toMatchObject({ expected: 'reject', outcome: 'ok' });
    // Asynchronously: the receiver answering it runs in this process.
    const { stdout } = await promisify(execFile)('bash', [
      '-c',
      `${delivery.reproduce} -o /dev/null -w '%{http_code}' --max-time 10`,
    ]);
    expect(Number(stdout)).toBe(delivery.statusCode);
  }
  // The console shows the first one under its finding.
  const text = failureDetails(verdict, plain);
  expect(text).toMatch(
    /reproduce dlv_\w+ \(signed at its second; send within the tolerance\):\n +curl -sS 'http:\/\/127\.0\.0\.1:/,
  );
  // A plain genuine delivery answered as expected carries none.
  const genuine = verdict.findings.flatMap((f) => f.deliveries).filter((d) => d.expected === 'accept');
  expect(genuine.every((d) => d.reproduce === undefined)).toBe(true);
});
