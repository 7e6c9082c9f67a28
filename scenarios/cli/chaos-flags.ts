import { IpnError } from '../../contracts/errors.js';
import { type ChaosSettings, defaultChaos } from '../define.js';
import { createReceiverProcess, type ReceiverProcess } from '../process/receiver-process.js';
import { parseUrl } from './args.js';

/** The flags that let `run` start, kill and restart the receiver under test. */
export const chaosFlagNames = ['receiver-cmd', 'ready', 'time-scale', 'burst-events', 'kills'] as const;

export const chaosHelp = `  --receiver-cmd CMD  start your receiver with this shell command, so the crash scenario (consistency.no-loss) can
                      SIGKILL and restart it; it must keep its port and its database across restarts (default:
                      $IPN_GAUNTLET_RECEIVER_CMD; a replay command refers to that variable when CMD holds credentials)
  --ready URL         what answers (below 500) once the receiver is up (default: the probe's /health)
  --time-scale X      real milliseconds per gateway second between retries (default 0.001: an hour in 3.6 s)
  --burst-events N    events in the crash burst (default ${defaultChaos.burstEvents})
  --kills N           SIGKILLs during the burst (default ${defaultChaos.kills})`;

export interface ChaosOptions {
  readonly receiverProcess?: ReceiverProcess;
  readonly chaos: ChaosSettings;
  readonly timeScale?: number;
}

type ChaosFlags = Partial<Record<(typeof chaosFlagNames)[number], string>>;

/** Reads the chaos flags; the receiver process is created (not started) when `--receiver-cmd` is given. */
export function parseChaosFlags(flags: ChaosFlags, probe: string, env: Readonly<Record<string, string | undefined>>) {
  const command = flags['receiver-cmd'];
  const needsCommand = (['ready', 'kills', 'burst-events', 'time-scale'] as const).filter(
    (f) => flags[f] !== undefined,
  );
  if (command === undefined && needsCommand.length > 0) {
    const given = needsCommand.map((f) => `--${f}`).join(', ');
    throw new IpnError(
      'IPN_ERR_USAGE',
      `${given} only ${needsCommand.length === 1 ? 'means' : 'mean'} something with --receiver-cmd (the crash scenario kills and restarts your receiver).`,
      {
        hint: `Add --receiver-cmd "…" (how to start your receiver), or drop ${given}.`,
      },
    );
  }
  const chaos: ChaosSettings = {
    burstEvents: whole(flags['burst-events'], '--burst-events', defaultChaos.burstEvents, 1, 1_000_000),
    kills: whole(flags.kills, '--kills', defaultChaos.kills, 0, 1_000),
  };
  const timeScale = flags['time-scale'] === undefined ? undefined : positive(flags['time-scale'], '--time-scale');
  const options: ChaosOptions = { chaos, ...(timeScale === undefined ? {} : { timeScale }) };
  if (command === undefined || command.trim() === '') return options;
  const readyUrl = parseUrl(flags.ready ?? `${probe.replace(/\/+$/, '')}/health`, '--ready');
  return { ...options, receiverProcess: createReceiverProcess({ command, readyUrl, env }) };
}

function whole(value: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new IpnError('IPN_ERR_USAGE', `${flag} must be a whole number from ${min} to ${max}, got "${value}".`);
  }
  return n;
}

function positive(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 1_000) {
    throw new IpnError('IPN_ERR_USAGE', `${flag} must be a number above 0 and at most 1000, got "${value}".`);
  }
  return n;
}
