import { expect, test } from 'vitest';
import { plain } from '../../scenarios/report/console.js';
import { summaryTable } from '../../scenarios/report/summary-table.js';
import type { RunReport, Verdict } from '../../scenarios/verdict.js';

const verdict = (guarantee: Verdict['guarantee'], status: Verdict['status'], deliveries: number): Verdict => ({
  guarantee,
  title: guarantee,
  provider: 'p',
  status,
  reason: null,
  seed: 1,
  deliveries,
  durationMs: 1,
  summary: '',
  diagnosis: null,
  findings: [],
  replay: '',
});
const report = (provider: string, results: Verdict[]): RunReport => ({
  tool: 'ipn-gauntlet',
  seed: 1,
  runId: 'r',
  provider,
  target: 'http://x',
  probe: 'http://x/ipn-probe',
  startedAt: '',
  durationMs: 1,
  results,
});

test('the summary table has a row per guarantee and a column per provider, marking held, broken and absent', () => {
  const table = summaryTable(
    [
      report('stripe', [verdict('idem.sequential', 'pass', 12), verdict('auth.replay-window', 'fail', 4)]),
      report('paypal-ipn', [verdict('idem.sequential', 'fail', 9)]),
    ],
    plain,
  );
  expect(table.split('\n')).toEqual([
    '  guarantee           stripe      paypal-ipn',
    '  ------------------  ----------  ----------',
    '  idem.sequential     held (12)   BROKEN (9)',
    '  auth.replay-window  BROKEN (4)  -',
  ]);
});
