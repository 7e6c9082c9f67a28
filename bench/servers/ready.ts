/** Benchmark servers run as child processes and announce their base URL on one line of standard output. */
export function announce(url: string, stop: () => Promise<unknown>): void {
  process.stdout.write(`READY ${url}\n`);
  const shutdown = () => {
    stop().finally(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
