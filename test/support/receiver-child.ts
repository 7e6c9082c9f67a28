import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { request } from 'undici';
import { compiledProject, freePort } from './compiled.js';

/** The reference receiver (`ipn-gauntlet receiver`, compiled from the current sources) as a process of the test's. */
export interface ReceiverChild {
  readonly base: string;
  /** How it ended, or null while it runs. */
  exit(): { readonly code: number | null; readonly signal: NodeJS.Signals | null } | null;
  /** Its last output (standard output and error). */
  output(): string;
  stop(): Promise<void>;
}

const OUTPUT_TAIL = 8_000;

/** Starts `receiver` with the given flags and environment and waits (at most 30 s) until `/health/live` answers. */
export async function startReceiverChild(
  flags: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<ReceiverChild> {
  const compiled = await compiledProject();
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [`${compiled}/test/fixtures/processes/cli.js`, 'receiver', '--port', String(port), ...flags],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    }),
  );
  const base = `http://127.0.0.1:${port}`;
  const receiver: ReceiverChild = {
    base,
    exit: () => exit,
    output: () => output,
    async stop() {
      if (exit === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
  for (let tries = 0; tries < 300; tries += 1) {
    if (exit !== null) throw new Error(`the receiver exited before it was live:\n${output}`);
    const live = await request(`${base}/health/live`).then(
      async (response) => {
        await response.body.dump();
        return response.statusCode === 200;
      },
      () => false,
    );
    if (live) return receiver;
    await delay(100);
  }
  await receiver.stop();
  throw new Error(`the receiver was not live within 30 s:\n${output}`);
}
