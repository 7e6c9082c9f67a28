/**
 * The one catalogue of ipn-gauntlet's errors. Every error has a stable code, says what happened and what to do.
 * Bad input from outside (a forged delivery, a malformed body) is an outcome, not an error: these are for
 * misconfiguration and for setup problems that stop a run.
 */
export const errorCatalog = {
  IPN_ERR_SECRET_MISSING: { exitCode: 2, hint: 'Pass the endpoint secret (flag or environment variable).' },
  IPN_ERR_SECRET_FORMAT: { exitCode: 2, hint: 'Use the secret exactly as the gateway shows it, without whitespace.' },
  IPN_ERR_UNKNOWN_PROVIDER: { exitCode: 2, hint: 'Pick one of the listed providers.' },
  IPN_ERR_USAGE: { exitCode: 2, hint: 'Run `ipn-gauntlet --help` for the commands and flags.' },
  IPN_ERR_TARGET_UNREACHABLE: { exitCode: 2, hint: 'Start the receiver first, or fix the --target URL.' },
  IPN_ERR_PROBE_MISSING: { exitCode: 2, hint: 'Serve the probe contract (see README, "The probe contract").' },
  IPN_ERR_PROBE_INVALID: { exitCode: 2, hint: 'Make the probe answer in the shape the probe contract describes.' },
  IPN_ERR_PROBE_UNAUTHORIZED: {
    exitCode: 2,
    hint: 'Pass the probe token with --probe-token or IPN_GAUNTLET_PROBE_TOKEN, the token the receiver was started with.',
  },
  IPN_ERR_PREFLIGHT_REFUSED: {
    exitCode: 2,
    hint: 'Fix what the receiver answered to a genuine event (secret, route, raw-body verification, unhandled types) first.',
  },
  IPN_ERR_PREFLIGHT_NOT_APPLIED: {
    exitCode: 2,
    hint: 'Make the probe read the state the webhook writes, and the receiver find the order by the reference field.',
  },
  IPN_ERR_UNKNOWN_GUARANTEE: { exitCode: 2, hint: 'Use guarantee ids from `ipn-gauntlet guarantees`.' },
  IPN_ERR_UNKNOWN_EVENT_TYPE: { exitCode: 2, hint: 'Pick one of the listed event types.' },
  IPN_ERR_STORAGE: { exitCode: 2, hint: 'Check that the database path is writable.' },
  IPN_ERR_STORAGE_UNAVAILABLE: {
    exitCode: 2,
    hint: 'Check that the database server is running and reachable; the gateway retries deliveries answered 503.',
  },
  IPN_ERR_DEAD_LETTER_UNKNOWN: {
    exitCode: 2,
    hint: 'Use an id that `ipn-gauntlet receiver dead-letters list` shows (inbox:<provider>:<event id> or delivery:<n>), with the same --db or DATABASE_URL and --schema.',
  },
  IPN_ERR_GATEWAY_MISSING: {
    exitCode: 2,
    hint: 'Start the fake gateway (`ipn-gauntlet gateway`, or let `run`/`demo` start it) and give the receiver its base URL (gatewayUrl option or IPN_GAUNTLET_GATEWAY_URL).',
  },
  IPN_ERR_RECEIVER_OPTIONS: { exitCode: 2, hint: 'Fix the option named in the message (see ReceiverOptions).' },
  IPN_ERR_CASE_INVALID: {
    exitCode: 2,
    hint: 'Pass a case file written by `ipn-gauntlet explore` (or a directory of them), unedited.',
  },
  IPN_ERR_REPORT_INVALID: {
    exitCode: 2,
    hint: 'Pass a JSON report written by `ipn-gauntlet run --json FILE` (or `demo --json FILE`), unedited.',
  },
  IPN_ERR_CONFIG_INVALID: {
    exitCode: 2,
    hint: 'Fix the key named in the message in ipn-gauntlet.config (see README, "Configuration file"); a flag overrides it.',
  },
  IPN_ERR_PORT_IN_USE: {
    exitCode: 2,
    hint: 'Stop what listens on that port, or pass another port (0 picks a free one, printed at start).',
  },
  IPN_ERR_THRESHOLD_INVALID: {
    exitCode: 2,
    hint: "Write a threshold as METRIC OPERATOR VALUE, such as 'p99<200ms' or 'lost==0' (README, \"Thresholds\").",
  },
  IPN_ERR_LOAD_SHARDS: {
    exitCode: 2,
    hint: 'Pass every shard report of one plan once: the JSON of `load --shard i/n --json FILE` for each i from 1 to n, same seed, run id and flags.',
  },
  IPN_ERR_RECEIVER_PROCESS: {
    exitCode: 2,
    hint: 'Check --receiver-cmd starts your receiver on the port the --target and --ready URLs name.',
  },
  IPN_ERR_DEPENDENCY_MISSING: {
    exitCode: 2,
    hint: 'Install the package the message names beside ipn-gauntlet (it is an optional peer dependency).',
  },
} as const;

export type ErrorCode = keyof typeof errorCatalog;

export class IpnError extends Error {
  override readonly name = 'IpnError';
  readonly code: ErrorCode;
  readonly hint: string;
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options?.hint ?? errorCatalog[code].hint;
    this.exitCode = errorCatalog[code].exitCode;
  }

  /** `CODE: what happened. What to do.` — the form the CLI prints. */
  describe(): string {
    return `${this.code}: ${this.message} ${this.hint}`;
  }
}

export function isIpnError(value: unknown): value is IpnError {
  return value instanceof IpnError;
}
