import { main } from './main.js';
import { processIo } from './process-io.js';

/** Runs the CLI in this process and exits with its code. */
export async function start(): Promise<void> {
  try {
    process.exitCode = await main(process.argv.slice(2), processIo());
  } catch (error) {
    process.stderr.write(
      `ipn-gauntlet crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 2;
  }
}
