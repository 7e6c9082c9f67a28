import type { FigureLine, StoredRun } from './reliability-store.js';

/** What each section of figures measures, in the order the page shows them; a section not listed comes last. */
const sections: readonly (readonly [string, string])[] = [
  [
    'fuzzed requests',
    'The same seeded requests to every route (signed events with awkward ids and amounts, signed malformed bytes, ' +
      'unsigned and odd-header requests, the probe with and without its token, operations routes), each sent to a ' +
      'SQLite and a PostgreSQL receiver (test/reliability/fuzz-routes.test.ts).',
  ],
  [
    'crash bursts',
    '`consistency.no-loss` as `run --receiver-cmd` drives it: a burst of signed Stripe events, 16 in flight, SIGKILLs ' +
      'at seeded points (the whole process group: with two instances, both), retries on the gateway schedule, a last ' +
      'kill and restart, then a tenth redelivered. Lost: an acknowledged event not applied; applied twice: a fulfilment ' +
      'or refund more than once. Pending: `inboxPending` polled every 100 ms; after the last restart is what the ' +
      'gauntlet waited for before reading the orders (test/reliability/crash-bursts.test.ts).',
  ],
  [
    'PostgreSQL outage',
    'A private PostgreSQL server stopped with `pg_ctl -m fast` / `-m immediate` under load (senders that retry each ' +
      'event until it is acknowledged), then started again; lost and applied twice are counted in the database ' +
      '(test/reliability/postgres-outage.test.ts).',
  ],
  [
    'SQLite faults',
    "SQLite with a full disk (RLIMIT_FSIZE) and with another connection's write lock; after the fault the delivery " +
      'is retried and applied once (test/reliability/sqlite-faults.test.ts).',
  ],
  [
    'hostile receivers',
    'The harness against receivers that answer as no correct one does, as a process of its own (`ipn-gauntlet run` ' +
      'and `load`): its peak RSS (`process.resourceUsage().maxRSS` at exit) and wall time, and how the run ended ' +
      '(test/reliability/hostile-harness.test.ts).',
  ],
  [
    'slowloris',
    'Connections that never finish their request, against one receiver, while genuine deliveries go on ' +
      '(test/reliability/slowloris.test.ts).',
  ],
];

/** bench/reliability-results.md from every stored run. */
export function reliabilityMarkdown(runs: readonly StoredRun[]): string {
  const figures = runs.flatMap((run) => run.figures);
  const outcomes = runs.flatMap((run) => run.outcomes);
  const named = new Set(sections.map(([name]) => name));
  const extra = [...new Set(figures.map((f) => f.section))].filter((name) => !named.has(name));
  const parts = [
    '# Reliability results',
    '',
    'Written by `npm run reliability` (`npm run reliability -- --only crash-bursts` re-runs one test file and keeps the',
    "others' last figures): the tests of `test/reliability/` at their large sizes, one file at a time, loopback only.",
    'Every row is what a test measured; the test asserted the bounds (0 5xx, nothing lost, memory and time) itself.',
    '',
    ...runs.map(
      (run) =>
        `- ${[...new Set(run.outcomes.map((o) => o.file))].join(', ') || '(no tests)'} ran ${run.ranAt} on ${run.machine}.`,
    ),
    '',
  ];
  for (const [name, about] of [...sections, ...extra.map((e) => [e, ''] as const)]) {
    const rows = figures.filter((f) => f.section === name);
    if (rows.length === 0) continue;
    parts.push(`## ${name[0]?.toUpperCase()}${name.slice(1)}`, '');
    if (about !== '') parts.push(about, '');
    parts.push(table(rows), '');
  }
  const failed = outcomes.filter((o) => o.status !== 'passed');
  parts.push(
    '## Tests',
    '',
    `${outcomes.length - failed.length} of ${outcomes.length} passed.`,
    '',
    '| file | test | result | time |',
    '| - | - | - | - |',
    ...outcomes.map(
      (o) =>
        `| ${o.file} | ${cell(o.test)} | ${o.status === 'passed' ? 'passed' : `**${o.status}**${o.failure === null ? '' : `: ${cell(o.failure)}`}`} | ${(o.durationMs / 1000).toFixed(1)} s |`,
    ),
    '',
  );
  return parts.join('\n');
}

function table(rows: readonly FigureLine[]): string {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r.row)))];
  return [
    `| ${columns.join(' | ')} |`,
    `| ${columns.map(() => '-').join(' | ')} |`,
    ...rows.map((r) => `| ${columns.map((c) => cell(format(r.row[c]))).join(' | ')} |`),
  ].join('\n');
}

function format(value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return Number.isInteger(value) ? value.toLocaleString('en-US') : String(value);
  return String(value);
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}
