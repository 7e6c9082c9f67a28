import { join } from 'node:path';
import { providers } from '../contracts/providers/index.js';
import { createLoadPlan } from '../scenarios/load/plan.js';
import { type BenchResult, fmt, ratio, runLoadCli, runNode, startServer } from './support.js';

export interface GeneratorSpeedOptions {
  readonly events: number;
  readonly concurrency: number;
  readonly secret: string;
  readonly dir: string;
}

/**
 * 1. Generator speed: `ipn-gauntlet load` (signing every request, keeping the history, no probe) against a minimal
 * node:http server, vs autocannon sending a same-sized body at the same concurrency, the same number of requests.
 */
export async function generatorSpeed(options: GeneratorSpeedOptions): Promise<BenchResult> {
  const body = sampleBody(options.secret);
  const server = await startServer('minimal-http', [], {});
  try {
    const target = `${server.url}/webhooks/stripe`;
    const cannon = await runNode(
      join(process.cwd(), 'node_modules', 'autocannon', 'autocannon.js'),
      [
        '-c',
        String(options.concurrency),
        '-a',
        String(options.events),
        '-m',
        'POST',
        '-H',
        'content-type=application/json',
        '-b',
        body,
        '-j',
        target,
      ],
      {},
      10 * 60_000,
    );
    const cannonReport = JSON.parse(cannon.stdout) as { requests: { total: number }; duration: number; errors: number };
    const cannonRps = cannonReport.requests.total / cannonReport.duration;
    const loaded = await runLoadCli(
      [
        '--target',
        target,
        '--provider',
        'stripe',
        '--secret',
        options.secret,
        '--seed',
        '1',
        '--concurrency',
        String(options.concurrency),
        '--events',
        String(options.events),
      ],
      join(options.dir, 'generator.json'),
      10 * 60_000,
    );
    const loadRps = loaded.report.throughputPerSecond;
    const met = loadRps >= cannonRps;
    return {
      id: '1',
      title: 'Generator speed',
      rows: [
        {
          measured: `requests/s, ${fmt(options.events)} requests, concurrency ${options.concurrency}`,
          value: `${fmt(loadRps)} (ipn-gauntlet load, signed, ${body.length} B bodies)`,
          baseline: `${fmt(cannonRps)} (autocannon, same body size)`,
          ratio: ratio(loadRps, cannonRps),
          goal: '≥ 1.00×',
          met,
        },
      ],
      notes: [
        `load p50/p99 ${loaded.report.latencyMs.p50}/${loaded.report.latencyMs.p99} ms, peak RSS ${fmt(loaded.report.memory.peakRssBytes / 2 ** 20)} MB; autocannon errors ${cannonReport.errors}.`,
      ],
    };
  } finally {
    await server.stop();
  }
}

/** One real Stripe event body, so autocannon sends the same number of bytes. */
function sampleBody(secret: string): string {
  const plan = createLoadPlan({
    provider: providers.stripe,
    secret,
    seed: 1,
    runId: 'bench',
    orders: 1,
    events: 1,
    duplicatePercent: 0,
    forgedPercent: 0,
    clock: () => Date.now(),
  });
  const first = plan.deliveries().next();
  return Buffer.from(first?.delivery.sign(Math.floor(Date.now() / 1000)).request.body ?? new Uint8Array()).toString(
    'utf8',
  );
}
