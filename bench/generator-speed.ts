import { join } from 'node:path';
import { providers } from '../contracts/providers/index.js';
import { createLoadPlan } from '../scenarios/load/plan.js';
import {
  type BenchResult,
  type BenchRow,
  canPinCpus,
  fmt,
  ratio,
  runLoadCli,
  runNode,
  startServer,
} from './support.js';

export interface GeneratorSpeedOptions {
  readonly events: number;
  readonly concurrency: number;
  readonly secret: string;
  readonly dir: string;
}

/** autocannon runs one second per this many requests the generator sends: about as long as the generator's run. */
const REQUESTS_PER_CANNON_SECOND = 20_000;

/**
 * 1. Generator speed: `ipn-gauntlet load` (signing every request, keeping the history, no probe) against a minimal
 * node:http server, vs autocannon sending a same-sized body at the same concurrency. Measured twice: the three
 * processes sharing the machine's cores (the goal's row), and, where taskset can pin them, the server on CPU 1 and
 * each client alone on CPU 0 (the single-core ratio: what one core of each client sends).
 *
 * autocannon runs for a fixed time (`-d`), not a number of requests: with `-a` it stops only at its next one-second
 * tick after the last answer and divides by that, so 100,000 requests in 2.1 s read as 33,000/s instead of 48,000/s.
 */
export async function generatorSpeed(options: GeneratorSpeedOptions): Promise<BenchResult> {
  const body = sampleBody(options.secret);
  const cannonSeconds = Math.max(2, Math.round(options.events / REQUESTS_PER_CANNON_SECOND));
  const shared = await sideBySide(options, body, cannonSeconds, 'shared');
  const pinned = canPinCpus() ? await sideBySide(options, body, cannonSeconds, 'pinned') : undefined;
  const rowOf = (measured: Measured, goal: boolean): BenchRow => ({
    measured: `requests/s, ${measured.where}, concurrency ${options.concurrency}`,
    value: `${fmt(measured.loadRps)} (ipn-gauntlet load, ${fmt(options.events)} requests signed, ${body.length} B bodies)`,
    baseline: `${fmt(measured.cannonRps)} (autocannon, ${cannonSeconds} s, same body size)`,
    ratio: ratio(measured.loadRps, measured.cannonRps),
    goal: goal ? '≥ 1.00×' : '',
    met: goal ? measured.loadRps >= measured.cannonRps : null,
  });
  return {
    id: '1',
    title: 'Generator speed',
    rows: [rowOf(shared, true), ...(pinned === undefined ? [] : [rowOf(pinned, false)])],
    notes: [
      ...[shared, pinned].flatMap((m) => (m === undefined ? [] : [m.note])),
      ...(pinned === undefined ? ['single-core row not measured: it needs taskset and two cores.'] : []),
    ],
  };
}

interface Measured {
  readonly where: string;
  readonly loadRps: number;
  readonly cannonRps: number;
  readonly note: string;
}

/** autocannon, then the generator, against one minimal server: sharing the cores, or each pinned to a CPU. */
async function sideBySide(
  options: GeneratorSpeedOptions,
  body: string,
  cannonSeconds: number,
  cores: 'shared' | 'pinned',
): Promise<Measured> {
  const serverCpu = cores === 'pinned' ? 1 : undefined;
  const clientCpu = cores === 'pinned' ? 0 : undefined;
  const server = await startServer('minimal-http', [], {}, serverCpu);
  try {
    const target = `${server.url}/webhooks/stripe`;
    const cannon = await runNode(
      join(process.cwd(), 'node_modules', 'autocannon', 'autocannon.js'),
      [
        '-c',
        String(options.concurrency),
        '-d',
        String(cannonSeconds),
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
      clientCpu,
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
      join(options.dir, `generator-${cores}.json`),
      10 * 60_000,
      clientCpu,
    );
    const { report } = loaded;
    const where = cores === 'pinned' ? 'each client on one CPU, the server on another' : 'sharing the cores';
    return {
      where,
      loadRps: report.throughputPerSecond,
      cannonRps,
      note: `${where}: load p50/p99 ${report.latencyMs.p50}/${report.latencyMs.p99} ms, peak RSS ${fmt(report.memory.peakRssBytes / 2 ** 20)} MB; autocannon ${fmt(cannonReport.requests.total)} requests in ${cannonReport.duration} s, errors ${cannonReport.errors}.`,
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
