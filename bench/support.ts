import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type LoadReport, LoadReportSchema } from '../scenarios/load/report.js';

/** One benchmark's outcome: the table rows it contributes and whether its goal was met. */
export interface BenchResult {
  readonly id: string;
  readonly title: string;
  readonly rows: readonly BenchRow[];
  readonly notes: readonly string[];
}

export interface BenchRow {
  readonly measured: string;
  readonly value: string;
  readonly baseline: string;
  readonly ratio: string;
  readonly goal: string;
  /** null: not run or no goal. */
  readonly met: boolean | null;
}

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export interface RunningServer {
  readonly url: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;
/** util-linux's taskset, which starts a process on chosen CPUs (Linux). */
const TASKSET = '/usr/bin/taskset';

/** Whether processes can be pinned to one CPU each here: taskset present and at least two cores. */
export const canPinCpus = () => existsSync(TASKSET) && cpus().length >= 2;

/** The command that runs node with `args`, on CPU `cpu` alone when given (taskset). */
function nodeCommand(args: readonly string[], cpu: number | undefined): [string, string[]] {
  if (cpu === undefined) return [process.execPath, [...args]];
  return [TASKSET, ['-c', String(cpu), process.execPath, ...args]];
}

/** Starts one of bench/servers as a child process (on CPU `cpu` alone, when given) and waits for its `READY <url>` line. */
export function startServer(
  name: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cpu?: number,
): Promise<RunningServer> {
  const [command, commandArgs] = nodeCommand([here(`./servers/${name}.js`), ...args], cpu);
  const child = spawn(command, commandArgs, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bench server ${name} did not start within ${READY_TIMEOUT_MS} ms`));
    }, READY_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bench server ${name} exited with ${code} before it was ready`));
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /READY (\S+)/.exec(buffer);
      if (match === null) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ url: match[1] ?? '', stop: () => stopChild(child) });
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export interface ProcessRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly wallMs: number;
}

/** Runs a node script to its end (bounded by `timeoutMs`, on CPU `cpu` alone when given), capturing its output. */
export function runNode(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  cpu?: number,
) {
  return new Promise<ProcessRun>((resolve) => {
    const started = performance.now();
    const [command, commandArgs] = nodeCommand([script, ...args], cpu);
    const child = spawn(command, commandArgs, { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, wallMs: performance.now() - started });
    });
  });
}

/** `ipn-gauntlet load …` from the benchmark build, in a process of its own; returns its JSON report. */
export async function runLoadCli(args: readonly string[], jsonFile: string, timeoutMs: number, cpu?: number) {
  const run = await runNode(here('./cli.js'), ['load', ...args, '--json', jsonFile], { CI: '1' }, timeoutMs, cpu);
  if (run.code !== 0 && run.code !== 1) {
    throw new Error(`ipn-gauntlet load exited with ${run.code}:\n${run.stderr}\n${run.stdout.slice(-2_000)}`);
  }
  const report: LoadReport = LoadReportSchema.parse(JSON.parse(await readFile(jsonFile, 'utf8')));
  return { run, report };
}

export const cliScript = () => here('./cli.js');

export function machine(): string {
  const cpu = cpus();
  const model = cpu[0]?.model.trim() ?? 'unknown CPU';
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(', ');
  return `${model}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GB RAM, Node ${process.version}, ${process.platform}; load average at start ${load}`;
}

export const fmt = (value: number) => Math.round(value).toLocaleString('en-US');
export const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');

/**
 * Why a benchmark should not report a ratio now: the machine's 1-minute load average at its start is above half its
 * cores (other work would share the CPU with the side-by-side runs); null when it is quiet, or when `force` is set.
 */
export function busyReason(load: readonly number[], cores: number, force: boolean): string | null {
  const [oneMinute = 0] = load;
  if (force || oneMinute <= cores / 2) return null;
  return `not measured: the machine was busy (load average ${oneMinute.toFixed(1)} on ${cores} cores at the start); rerun on a quiet machine, or pass --force to measure anyway`;
}

export const machineLoad = () => ({ load: loadavg(), cores: cpus().length });

export interface QuietWait {
  /** The machine's load averages and cores now. */
  readonly machine: () => { readonly load: readonly number[]; readonly cores: number };
  readonly sleep: (ms: number) => Promise<void>;
  /** Monotonic milliseconds. */
  readonly now: () => number;
  /** The longest wait before measuring anyway is refused. */
  readonly maxWaitMs: number;
  readonly pollMs: number;
  /** Each time it waits on: the 1-minute load average now. */
  readonly onWait?: (oneMinute: number, waitedMs: number) => void;
}

/**
 * Waits while the machine is busy, up to `maxWaitMs`, and then says why not to measure (busyReason), or null. The
 * 1-minute load average falls by half in about 42 s once the work stops, so the benchmark's own compilation or the
 * benchmark before it would otherwise make the next one refuse on a quiet machine.
 */
export async function waitForQuiet(force: boolean, wait: QuietWait): Promise<string | null> {
  const started = wait.now();
  for (;;) {
    const { load, cores } = wait.machine();
    const busy = busyReason(load, cores, force);
    const waitedMs = wait.now() - started;
    if (busy === null || waitedMs >= wait.maxWaitMs) return busy;
    wait.onWait?.(load[0] ?? 0, waitedMs);
    await wait.sleep(Math.min(wait.pollMs, wait.maxWaitMs - waitedMs));
  }
}
