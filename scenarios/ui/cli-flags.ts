import { IpnError } from '../../contracts/errors.js';
import type { CliIo } from '../cli/io.js';
import { LiveFeed } from './live-feed.js';
import { startDashboard } from './start-dashboard.js';

export const uiHelp = `  --ui             serve a live dashboard on 127.0.0.1 while the run goes (URL printed), then the report;
                   it keeps serving after the run until Ctrl-C
  --ui-port N      the dashboard's port (default 0: a free one)
  --ui-exit        stop serving the dashboard when the run ends (CI, scripts)`;

export interface UiOptions {
  readonly port: number;
  readonly exitAtEnd: boolean;
}

/** Takes `--ui`, `--ui-exit` and `--ui-port N` off the arguments (the rest go to parseFlags). */
export function takeUiFlags(args: readonly string[]): { rest: string[]; options: UiOptions | undefined } {
  const rest: string[] = [];
  let ui = false;
  let exitAtEnd = false;
  let port: string | undefined;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    if (arg === '--ui') ui = true;
    else if (arg === '--ui-exit') exitAtEnd = true;
    else if (arg === '--ui-port') {
      port = args[i + 1];
      i += 1;
    } else if (arg.startsWith('--ui-port=')) port = arg.slice('--ui-port='.length);
    else rest.push(arg);
  }
  if (!ui) {
    if (exitAtEnd || port !== undefined) {
      throw new IpnError('IPN_ERR_USAGE', '--ui-port and --ui-exit only make sense with --ui.');
    }
    return { rest, options: undefined };
  }
  return { rest, options: { port: parseUiPort(port), exitAtEnd } };
}

function parseUiPort(value: string | undefined): number {
  if (value === undefined) return 0;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65_535) {
    throw new IpnError('IPN_ERR_USAGE', `--ui-port must be a whole number from 0 to 65535, got "${value ?? ''}".`);
  }
  return Number(value);
}

/** The dashboard of one run: its feed (undefined without `--ui`), what to do after the run, and its shutdown. */
export interface Dashboard {
  readonly live: LiveFeed | undefined;
  /** After the run: unless `--ui-exit`, keeps serving the report until the user stops the program. */
  finish(code: number): Promise<number>;
  close(): Promise<void>;
}

const noDashboard: Dashboard = {
  live: undefined,
  finish: async (code) => code,
  close: async () => {},
};

/** Starts the dashboard for `--ui` (and prints its URL), or returns one that does nothing. */
export async function openDashboard(options: UiOptions | undefined, io: CliIo): Promise<Dashboard> {
  if (options === undefined) return noDashboard;
  const feed = new LiveFeed();
  const server = await startDashboard(feed, options.port);
  io.stdout.write(`Dashboard: ${server.url}\n`);
  return {
    live: feed,
    finish: async (code) => {
      if (!options.exitAtEnd) {
        io.stdout.write(`Dashboard still serving the report at ${server.url} (Ctrl-C to stop)\n`);
        await io.untilStopped();
      }
      return code;
    },
    close: () => server.close(),
  };
}
