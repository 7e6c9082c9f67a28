import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { IpnError } from '../../contracts/errors.js';
import { envelopeCheck } from '../../receiver/dead-letter-replay.js';
import { projectOrder } from '../../receiver/order-projection.js';
import { secretsFromEnv } from '../../receiver/secrets.js';
import { openPostgresStorage } from '../../receiver/storage/postgres.js';
import { openSqliteStorage } from '../../receiver/storage/sqlite.js';
import type { DeadLetterDetail, DeadLetterSummary, ReceiverStorage } from '../../receiver/storage/storage.js';
import type { CliIo } from './io.js';
import { parseCount } from './receiver-flags.js';

const COMMAND = 'receiver dead-letters';
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 1_000;
const MAX_OFFSET = 1_000_000_000;
/** The longest reason the table shows; `show` prints it whole. */
const REASON_WIDTH = 72;

export const deadLettersHelp = `Usage: ipn-gauntlet receiver dead-letters list [--limit N] [--offset N] [--json]
       ipn-gauntlet receiver dead-letters show ID [--json]
       ipn-gauntlet receiver dead-letters replay ID

Inspects and replays the reference receiver's dead letters, in the database \`ipn-gauntlet receiver\` uses (it may be
running meanwhile: a replayed event is applied by its worker's next pass).

Dead letters and their ids:
  inbox:<provider>:<event id>   an event whose processing failed its last allowed attempt, or that can never be applied
  delivery:<n>                  a signed delivery that could not be stored as an event (malformed body, an envelope that
                                fails the provider's schema, no event id, paid to another account)

  list         newest first (by when received): id, provider, event id, attempts, received, reason
  show ID      one dead letter with its reason, headers and body (as UTF-8 text)
  replay ID    an inbox event goes back to pending with its attempts reset (an event applied before changes nothing);
               a delivery is read again with the provider's envelope check and stored in the inbox if it now passes,
               otherwise it stays and the reason is printed (exit 1)

  --db FILE    SQLite database file (default ./ipn-receiver.db); DATABASE_URL selects PostgreSQL instead
  --schema S   PostgreSQL schema for the tables (default ipn_receiver)
  --limit N    how many to list (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT})
  --offset N   how many of the newest to skip (the next page)
  --json       machine-readable output (list: an array; show: an object with body, bodyBase64 and headers)

Replaying a PayPal IPN delivery checks its receiver_email: set PAYPAL_RECEIVER_EMAIL as for the receiver.`;

const flagOptions = {
  db: { type: 'string' },
  schema: { type: 'string' },
  limit: { type: 'string' },
  offset: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** `ipn-gauntlet receiver dead-letters list|show|replay`. */
export async function deadLettersCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args);
  const [action, id, ...extra] = positionals;
  if (extra.length > 0) usage(`unexpected arguments: ${extra.join(' ')}`);
  if (action === 'list') {
    if (id !== undefined) usage(`list takes no id (got "${id}")`);
    const limit = parseCount(values.limit, '--limit', DEFAULT_LIMIT, MAX_LIMIT);
    const offset = parseOffset(values.offset);
    return withStorage(values, io, async (storage) => {
      const letters = await storage.listDeadLetters({ limit, offset });
      io.stdout.write(values.json === true ? `${JSON.stringify(letters.map(summaryJson), null, 2)}\n` : table(letters));
      if (values.json !== true && letters.length === limit) {
        io.stdout.write(`More may follow: --offset ${offset + limit}\n`);
      }
      return 0;
    });
  }
  if (action === 'show' || action === 'replay') {
    if (values.limit !== undefined || values.offset !== undefined) usage(`${action} takes no --limit or --offset`);
    if (action === 'replay' && values.json === true) usage('replay takes no --json');
    const letterId = requiredId(action, id);
    return withStorage(values, io, async (storage) => {
      if (action === 'show') {
        const letter = await storage.showDeadLetter(letterId);
        if (letter === null) throw unknownId(letterId);
        io.stdout.write(values.json === true ? `${JSON.stringify(detailJson(letter), null, 2)}\n` : detail(letter));
        return 0;
      }
      const outcome = await storage.replayDeadLetter(letterId, envelopeCheck(secretsFromEnv(io.env)), io.clock());
      if (outcome.outcome === 'not_found') throw unknownId(letterId);
      if (outcome.outcome === 'rejected') {
        io.stderr.write(`${letterId} was not replayed: ${outcome.reason}. It stays a dead letter.\n`);
        return 1;
      }
      const event = `${outcome.provider} event ${outcome.eventId}`;
      io.stdout.write(
        letterId.startsWith('inbox:')
          ? `Replayed ${letterId}: the ${event} is pending again with its attempts reset; the receiver's worker applies it.\n`
          : outcome.duplicate
            ? `Replayed ${letterId}: the ${event} was already in the inbox, so nothing new was stored; the dead letter is gone.\n`
            : `Replayed ${letterId}: stored in the inbox as the ${event}; the receiver's worker applies it.\n`,
      );
      return 0;
    });
  }
  usage(action === undefined ? 'name an action: list, show ID or replay ID' : `unknown action "${action}"`);
}

function parse(args: readonly string[]) {
  try {
    return parseArgs({ args: [...args], options: flagOptions, strict: true, allowPositionals: true });
  } catch (error) {
    usage(error instanceof Error ? error.message : String(error));
  }
}

function parseOffset(value: string | undefined): number {
  if (value === undefined) return 0;
  if (!/^\d{1,10}$/.test(value) || Number(value) > MAX_OFFSET) {
    usage(`--offset must be a whole number from 0 to ${MAX_OFFSET}, got "${value}"`);
  }
  return Number(value);
}

function usage(problem: string): never {
  throw new IpnError('IPN_ERR_USAGE', `${COMMAND}: ${problem}.`, { hint: `Run \`ipn-gauntlet ${COMMAND} --help\`.` });
}

function requiredId(action: string, id: string | undefined): string {
  if (id === undefined || id === '') usage(`${action} needs the id of a dead letter (from \`${COMMAND} list\`)`);
  return id;
}

function unknownId(id: string): IpnError {
  return new IpnError('IPN_ERR_DEAD_LETTER_UNKNOWN', `no dead letter has the id "${id}".`);
}

/** Opens the receiver's database as `ipn-gauntlet receiver` would, runs `work`, and closes it. */
async function withStorage(
  values: { db?: string | undefined; schema?: string | undefined },
  io: CliIo,
  work: (storage: ReceiverStorage) => Promise<number>,
): Promise<number> {
  const databaseUrl = io.env.DATABASE_URL;
  const postgres = databaseUrl !== undefined && databaseUrl !== '';
  if (postgres && values.db !== undefined)
    usage('DATABASE_URL (PostgreSQL) and --db (SQLite) were both given; give one');
  if (!postgres && values.schema !== undefined) usage('--schema is for PostgreSQL: set DATABASE_URL too');
  let storage: ReceiverStorage;
  if (postgres) {
    storage = await openPostgresStorage({
      url: databaseUrl,
      schema: values.schema ?? 'ipn_receiver',
      projectOrder,
      poolSize: 2,
    });
  } else {
    const file = values.db ?? 'ipn-receiver.db';
    if (!existsSync(file)) {
      throw new IpnError('IPN_ERR_STORAGE', `there is no receiver database at "${file}".`, {
        hint: 'Pass the --db FILE the receiver uses, or set DATABASE_URL (and --schema) for PostgreSQL.',
      });
    }
    // The receiver may be running on this file: its claims stay as they are.
    storage = openSqliteStorage({ file, projectOrder, keepClaims: true });
  }
  try {
    return await work(storage);
  } finally {
    await storage.close();
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

function summaryJson(letter: DeadLetterSummary) {
  return { ...letter, receivedAt: iso(letter.receivedAtMs) };
}

function detailJson(letter: DeadLetterDetail) {
  const { body, ...rest } = letter;
  return {
    ...summaryJson(rest),
    body: new TextDecoder().decode(body),
    bodyBase64: Buffer.from(body).toString('base64'),
  };
}

/** One line per dead letter in aligned columns, the reason cut to fit. */
function table(letters: readonly DeadLetterSummary[]): string {
  if (letters.length === 0) return 'No dead letters.\n';
  const rows = [
    ['ID', 'PROVIDER', 'EVENT ID', 'ATTEMPTS', 'RECEIVED', 'REASON'],
    ...letters.map((l) => [
      l.id,
      l.provider,
      l.eventId ?? '-',
      String(l.attempts),
      iso(l.receivedAtMs),
      oneLine(l.reason, REASON_WIDTH),
    ]),
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

function oneLine(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length <= width ? flat : `${flat.slice(0, width - 1)}…`;
}

function detail(letter: DeadLetterDetail): string {
  const source =
    letter.source === 'inbox'
      ? 'inbox (an event whose processing failed its last attempt, or that can never be applied)'
      : 'delivery (a signed delivery that could not be stored as an event)';
  const headers = Object.entries(letter.headers).map(
    ([name, value]) => `  ${name}: ${Array.isArray(value) ? value.join(', ') : String(value)}`,
  );
  return [
    `id:        ${letter.id}`,
    `source:    ${source}`,
    `provider:  ${letter.provider}`,
    `event id:  ${letter.eventId ?? '-'}`,
    `attempts:  ${letter.attempts}`,
    `received:  ${iso(letter.receivedAtMs)}`,
    `reason:    ${letter.reason}`,
    'headers:',
    ...(headers.length === 0 ? ['  (none)'] : headers),
    `body (${letter.body.length} bytes):`,
    new TextDecoder().decode(letter.body),
    '',
  ].join('\n');
}
