import type { Clock } from '../../contracts/clock.js';
import type { Redactor } from './redaction.js';

/** Everything the CLI touches outside itself, injected so tests run it in-process. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown; isTTY?: boolean };
  readonly stderr: { write(text: string): unknown };
  readonly env: NodeJS.ProcessEnv;
  readonly clock: Clock;
  /** Where `run` looks for ipn-gauntlet.config.* (default: the process's working directory). */
  readonly cwd?: string;
  /** A fresh seed when none is given (the program's edge picks it). */
  randomSeed(): number;
  /** A fresh run id: a few lower-case letters and digits. */
  randomRunId(): string;
  randomBytes(length: number): Uint8Array;
  /** Resolves when the user asks the program to stop (SIGINT/SIGTERM); long-running commands wait on it. */
  untilStopped(): Promise<void>;
  /**
   * The secrets of this invocation: a command adds them once parsed, and stdout, stderr and every report it writes
   * pass through it. `main` provides it; whoever calls `main` need not.
   */
  readonly redactor: Redactor;
}

/** What `main` is given: the io without the redactor, which it adds. */
export type CliEnvironment = Omit<CliIo, 'redactor'>;
