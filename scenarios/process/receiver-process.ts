import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'undici';
import { type Clock, systemClock } from '../../contracts/clock.js';
import { IpnError } from '../../contracts/errors.js';

/** The receiver under test as a process the gauntlet started, so it can kill it (`--receiver-cmd`). */
export interface ReceiverProcess {
  /** Starts the command and waits until the ready URL answers; fails with the command's last output when it does not. */
  start(): Promise<void>;
  /** SIGKILL to the whole process group: no shutdown hook runs, no buffer is flushed. Resolves once it is gone. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after the grace period. */
  stop(): Promise<void>;
  /** Starts the process again after a kill and waits until it is ready. */
  restart(): Promise<void>;
  /** How many times it was killed. */
  readonly kills: number;
}

export interface ReceiverProcessOptions {
  /** A shell command line, run with `sh -c` in its own process group. */
  readonly command: string;
  /** Polled until it answers below 500 (a health or probe URL). */
  readonly readyUrl: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  /** How long to wait for readiness, ms. */
  readonly readyTimeoutMs?: number;
  readonly stopGraceMs?: number;
  /** The time the readiness wait is measured on; default the system clock. */
  readonly clock?: Clock;
}

const OUTPUT_TAIL = 2_000;

export function createReceiverProcess(options: ReceiverProcessOptions): ReceiverProcess {
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const stopGraceMs = options.stopGraceMs ?? 5_000;
  const clock = options.clock ?? systemClock;
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let output = '';
  let kills = 0;

  function launch(): void {
    output = '';
    const spawned = spawn('sh', ['-c', options.command], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL);
    };
    spawned.stdout?.on('data', keep);
    spawned.stderr?.on('data', keep);
    exited = new Promise((resolve) => spawned.once('exit', () => resolve()));
    child = spawned;
  }

  function signalGroup(signal: NodeJS.Signals): void {
    const pid = child?.pid;
    if (pid === undefined || child?.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  }

  async function waitReady(): Promise<void> {
    const deadline = clock() + readyTimeoutMs;
    let last = 'no answer yet';
    while (clock() < deadline) {
      if (child !== null && (child.exitCode !== null || child.signalCode !== null)) {
        throw new IpnError(
          'IPN_ERR_RECEIVER_PROCESS',
          `the receiver command exited (${child.exitCode ?? child.signalCode}) before ${options.readyUrl} answered.`,
          { hint: `Its last output:\n${output.trim() || '(nothing)'}` },
        );
      }
      try {
        const response = await request(options.readyUrl, { signal: AbortSignal.timeout(1_000) });
        await response.body.dump();
        if (response.statusCode < 500) return;
        last = `answered ${response.statusCode}`;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    signalGroup('SIGKILL');
    throw new IpnError(
      'IPN_ERR_RECEIVER_PROCESS',
      `the receiver command was not ready within ${readyTimeoutMs} ms: ${options.readyUrl} ${last}.`,
      { hint: `Check --ready points at a URL the receiver serves. Its last output:\n${output.trim() || '(nothing)'}` },
    );
  }

  const control: ReceiverProcess = {
    get kills() {
      return kills;
    },
    async start() {
      launch();
      await waitReady();
    },
    async kill() {
      kills += 1;
      signalGroup('SIGKILL');
      await exited;
    },
    async stop() {
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), stopGraceMs);
      await exited;
      clearTimeout(timer);
    },
    async restart() {
      await exited;
      launch();
      await waitReady();
    },
  };
  return control;
}
