import { main } from './main.js';
import { processIo } from './process-io.js';

/** Runs the CLI in this process and exits with its code. */
export async function start(): Promise<void> {
  // A reader that stops early (`ipn-gauntlet guarantees | head -1`) closes the pipe: that is the end, not a crash.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  try {
    process.exitCode = await main(process.argv.slice(2), processIo());
  } catch (error) {
    process.stderr.write(
      `ipn-gauntlet crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 2;
  }
}
