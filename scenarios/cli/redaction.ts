/**
 * Secrets never reach anything the CLI prints or writes: the endpoint secret, the probe token, credentials inside
 * `--receiver-cmd` or a URL, and whatever `--redact` names. A command registers them as soon as it has parsed its
 * flags; the console, every report, case file and the live dashboard pass what they emit through `text`/`value`, which
 * put `***` in their place.
 */
export interface Redactor {
  /** Adds values to hide (empty and very short ones are ignored: hiding "a" would garble every line). */
  add(...values: readonly (string | undefined)[]): void;
  /** The text with every registered value replaced by `***`. */
  text(text: string): string;
  /** A copy of a JSON-like value with every string redacted (keys stay). */
  value<T>(value: T): T;
}

const MASK = '***';
/** Shorter values are not hidden: they would match everywhere and hide nothing worth hiding. */
const MIN_SECRET_LENGTH = 6;

export function createRedactor(): Redactor {
  const secrets = new Set<string>();
  let ordered: string[] = [];
  const text = (input: string) => {
    let output = input;
    for (const secret of ordered) if (output.includes(secret)) output = output.split(secret).join(MASK);
    return output;
  };
  const value = <T>(input: T): T => {
    if (ordered.length === 0) return input;
    if (typeof input === 'string') return text(input) as T;
    if (Array.isArray(input)) return input.map(value) as T;
    if (typeof input === 'object' && input !== null) {
      return Object.fromEntries(Object.entries(input).map(([key, v]) => [key, value(v)])) as T;
    }
    return input;
  };
  return {
    add(...values) {
      for (const secret of values) {
        if (secret === undefined || secret.length < MIN_SECRET_LENGTH) continue;
        secrets.add(secret);
        // Also as it appears inside JSON or a URL, the forms reports and replay commands carry.
        secrets.add(JSON.stringify(secret).slice(1, -1));
        secrets.add(encodeURIComponent(secret));
      }
      // Longest first, so a secret that contains another is hidden whole.
      ordered = [...secrets].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
    },
    text,
    value,
  };
}

const CREDENTIAL_NAME = /(secret|token|passw(or)?d|pwd|api[-_]?key|private[-_]?key|credential|auth|signing[-_]?key)/i;
/** Key formats gateways issue, recognised wherever they stand. */
const KEY_FORMATS =
  /\b(whsec_[A-Za-z0-9+/=_-]{8,}|[sr]k_(live|test)_[A-Za-z0-9]{8,}|pdl_[A-Za-z0-9_]{8,}|(live|test)_[A-Za-z0-9]{20,})\b/g;

const unquote = (value: string) => value.replace(/^(['"])(.*)\1$/, '$2');

/**
 * The credentials in a command line (or a URL): passwords in URLs (`postgres://user:PASSWORD@host`), values of
 * environment assignments and flags whose names say secret/token/password/key (`STRIPE_WEBHOOK_SECRET=…`,
 * `--password …`, `--api-key=…`), and gateway key formats (`whsec_…`, `sk_live_…`).
 */
export function credentialsIn(command: string): string[] {
  const found = new Set<string>();
  for (const match of command.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]*:([^\s@/'"]+)@/gi)) found.add(match[1] ?? '');
  for (const match of command.matchAll(/(?:^|[\s;&|(])([A-Za-z_][A-Za-z0-9_]*)=('[^']*'|"[^"]*"|[^\s;&|]+)/g)) {
    if (CREDENTIAL_NAME.test(match[1] ?? '')) found.add(unquote(match[2] ?? ''));
  }
  for (const match of command.matchAll(/--?([A-Za-z][A-Za-z0-9-]*)(?:=|\s+)('[^']*'|"[^"]*"|[^\s-][^\s]*)/g)) {
    if (CREDENTIAL_NAME.test(match[1] ?? '')) found.add(unquote(match[2] ?? ''));
  }
  for (const match of command.matchAll(KEY_FORMATS)) found.add(match[1] ?? '');
  // A value that is itself a reference to the environment hides nothing.
  return [...found].filter((value) => value.length >= MIN_SECRET_LENGTH && !/^\$\{?[A-Za-z_]/.test(value));
}

/** `--redact VALUE` (any number of times, or `--redact=VALUE`): more values to hide; the other arguments unchanged. */
export function takeRedactFlags(args: readonly string[]): { readonly values: string[]; readonly rest: string[] } {
  const values: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (arg === '--redact' && i + 1 < args.length) {
      values.push(args[i + 1] ?? '');
      i += 1;
    } else if (arg.startsWith('--redact=')) values.push(arg.slice('--redact='.length));
    else rest.push(arg);
  }
  return { values, rest };
}

export const redactHelp = `  --redact VALUE   never print or write VALUE (repeatable); the secret, the probe token and credentials in URLs and
                   --receiver-cmd are hidden already`;

/** Where a replay command reads a `--receiver-cmd` that holds credentials. */
export const RECEIVER_CMD_ENV = 'IPN_GAUNTLET_RECEIVER_CMD';

/**
 * The `--receiver-cmd` a replay command prints: the command itself, or, when it holds credentials, a reference to
 * IPN_GAUNTLET_RECEIVER_CMD (which `run` reads when the flag is absent), so the replay works and shows nothing.
 */
export function receiverCmdForReplay(command: string): string {
  return credentialsIn(command).length === 0 ? command : `"$${RECEIVER_CMD_ENV}"`;
}
