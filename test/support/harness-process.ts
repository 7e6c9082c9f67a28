import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compiledProject } from './compiled.js';

/** How a harness process (`ipn-gauntlet …`, compiled from the current sources) ended, and what it cost. */
export interface HarnessRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last 20,000 characters of each stream. */
  readonly stdout: string;
  readonly stderr: string;
  readonly wallMs: number;
  /** Its peak resident set size, bytes (null: it was killed before it could say). */
  readonly peakRssBytes: number | null;
  /** Whether it had to be killed at `hardCapMs`. */
  readonly killed: boolean;
}

const TAIL = 20_000;

/**
 * Runs `ipn-gauntlet <args>` as a process of its own, with test/support/peak-rss-on-exit preloaded, and kills it
 * (SIGKILL) if it is still running after `hardCapMs`: a hang is a result, not a stuck test.
 */
export async function runHarness(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  hardCapMs: number,
): Promise<HarnessRun> {
  const compiled = await compiledProject();
  const dir = await mkdtemp(join(tmpdir(), 'ipn-harness-'));
  const rssFile = join(dir, 'peak-rss');
  const preload = pathToFileURL(join(compiled, 'test', 'support', 'peak-rss-on-exit.js')).href;
  const cli = join(compiled, 'test', 'fixtures', 'processes', 'cli.js');
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', preload, cli, ...args], {
    env: { ...process.env, CI: '1', ...env, IPN_PEAK_RSS_FILE: rssFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout = (stdout + chunk.toString('utf8')).slice(-TAIL);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-TAIL);
  });
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, hardCapMs);
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.once('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
    );
    const wallMs = performance.now() - started;
    const rss = await readFile(rssFile, 'utf8').catch(() => null);
    return { code, signal, stdout, stderr, wallMs, peakRssBytes: rss === null ? null : Number(rss), killed };
  } finally {
    clearTimeout(timer);
    await rm(dir, { recursive: true, force: true });
  }
}
