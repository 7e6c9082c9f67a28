import { join } from 'node:path';
import { checkFindings } from '../scenarios/load/check-findings.js';
import type { LoadReport } from '../scenarios/load/report.js';
import { startPostgres } from './postgres.js';
import { type BenchResult, type BenchRow, fmt, ratio, runLoadCli, startServer } from './support.js';

export interface ReceiverThroughputOptions {
  readonly events: number;
  readonly concurrency: number;
  readonly secret: string;
  readonly dir: string;
}

const TIMEOUT_MS = 20 * 60_000;

/**
 * 2. Reference receiver throughput: acknowledged (durable, verified, de-duplicated) events per second on SQLite and on
 * PostgreSQL, vs a bare fastify route answering 200, under the same `ipn-gauntlet load` (closed model, 5% duplicates).
 */
export async function receiverThroughput(options: ReceiverThroughputOptions): Promise<BenchResult> {
  const env = { STRIPE_WEBHOOK_SECRET: options.secret };
  const load = async (name: string, base: string, probe: boolean) => {
    const args = [
      '--target',
      `${base}/webhooks/stripe`,
      ...(probe ? ['--probe', `${base}/ipn-probe`] : []),
      '--provider',
      'stripe',
      '--secret',
      options.secret,
      '--seed',
      '2',
      '--concurrency',
      String(options.concurrency),
      '--events',
      String(options.events),
      '--duplicates',
      '5%',
    ];
    return (await runLoadCli(args, join(options.dir, `${name}.json`), TIMEOUT_MS)).report;
  };
  const withServer = async (name: string, args: string[], extraEnv: NodeJS.ProcessEnv, probe: boolean) => {
    const server = await startServer(name, args, { ...env, ...extraEnv });
    try {
      return await load(`${name}-${args.length}`, server.url, probe);
    } finally {
      await server.stop();
    }
  };

  const bare = await withServer('bare-fastify', [], {}, false);
  const sqlite = await withServer('reference', [join(options.dir, 'bench-receiver.db')], {}, true);
  let postgres: LoadReport | string;
  try {
    const pg = await startPostgres();
    try {
      postgres = await withServer('reference', [], { DATABASE_URL: pg.url }, true);
    } finally {
      await pg.stop();
    }
  } catch (error) {
    postgres = `not run: backend unavailable (${String(error).split('\n')[0]})`;
  }

  const perSecond = (report: LoadReport) => (report.deliveries.acknowledged * 1000) / Math.max(1, report.durationMs);
  const bareRate = perSecond(bare);
  const row = (backend: string, report: LoadReport | string, goal: number): BenchRow => {
    if (typeof report === 'string') {
      return {
        measured: `${backend}: acknowledged events/s`,
        value: report,
        baseline: '',
        ratio: '',
        goal: '',
        met: null,
      };
    }
    const rate = perSecond(report);
    const p99 = report.latencyMs.p99;
    const correct = report.check.status === 'pass';
    return {
      measured: `${backend}: acknowledged events/s, concurrency ${options.concurrency}, ${fmt(options.events)} deliveries`,
      value: `${fmt(rate)} (ack p99 ${p99} ms; check ${report.check.status})`,
      baseline: `${fmt(bareRate)} (bare fastify route)`,
      ratio: ratio(rate, bareRate),
      goal: `≥ ${goal.toFixed(2)}×, p99 < 50 ms, check pass`,
      met: rate >= goal * bareRate && p99 < 50 && correct,
    };
  };
  return {
    id: '2',
    title: 'Reference receiver throughput',
    // The goals: half of a bare fastify route on SQLite, 0.4 of it on PostgreSQL, both with ack p99 < 50 ms.
    rows: [row('SQLite (synchronous=FULL)', sqlite, 0.5), row('PostgreSQL', postgres, 0.4)],
    notes: [
      `bare fastify p50/p99 ${bare.latencyMs.p50}/${bare.latencyMs.p99} ms; SQLite p50/p99 ${sqlite.latencyMs.p50}/${sqlite.latencyMs.p99} ms.`,
      // A failed check says what failed (the load's JSON report is in the bench's temporary folder, gone after the run).
      ...checkFindings(sqlite.check).map((line) => `SQLite check: ${line}`),
      ...(typeof postgres === 'string' ? [] : checkFindings(postgres.check).map((line) => `PostgreSQL check: ${line}`)),
    ],
  };
}
