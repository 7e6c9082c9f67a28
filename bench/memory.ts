import { join } from 'node:path';
import { type BenchResult, fmt, runLoadCli, startServer } from './support.js';

export interface MemoryOptions {
  readonly events: number;
  readonly concurrency: number;
  readonly secret: string;
  readonly dir: string;
}

/**
 * 4. Memory: peak RSS of the `ipn-gauntlet load` process over a long run (planning, creating orders, delivering with
 * duplicates and forgeries, checking every order through the probe), against a correct in-memory receiver.
 */
export async function memory(options: MemoryOptions): Promise<BenchResult> {
  const server = await startServer('memory-receiver', [], { STRIPE_WEBHOOK_SECRET: options.secret });
  try {
    const { report } = await runLoadCli(
      [
        '--target',
        `${server.url}/webhooks/stripe`,
        '--probe',
        `${server.url}/ipn-probe`,
        '--provider',
        'stripe',
        '--secret',
        options.secret,
        '--seed',
        '4',
        '--concurrency',
        String(options.concurrency),
        '--events',
        String(options.events),
        '--duplicates',
        '2%',
        '--forged',
        '1%',
      ],
      join(options.dir, 'memory.json'),
      60 * 60_000,
    );
    const mb = report.memory.peakRssBytes / 2 ** 20;
    return {
      id: '4',
      title: 'Memory',
      rows: [
        {
          measured: `peak RSS of a ${fmt(report.deliveries.sent)}-event load run (${fmt(report.plan.orders)} orders)`,
          value: `${fmt(mb)} MB (history ${(report.memory.historyBytes / 2 ** 20).toFixed(1)} MB; check ${report.check.status})`,
          baseline: '',
          ratio: '',
          goal: '< 500 MB',
          met: mb < 500,
        },
      ],
      notes: [
        `${fmt(report.throughputPerSecond)} deliveries/s, setup ${(report.setupMs / 1000).toFixed(0)} s, delivery ${(report.durationMs / 1000).toFixed(0)} s; ${report.check.lost.count} lost, ${report.check.appliedTwice.count} applied twice, ${report.check.forgedAccepted.count} forged accepted.`,
      ],
    };
  } finally {
    await server.stop();
  }
}
