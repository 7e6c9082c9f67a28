import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { IpnError, isIpnError } from '../../contracts/errors.js';
import { parseDecimal } from '../../contracts/money.js';
import type { ProbeClient } from '../probe-client.js';
import { orderFromRow } from './order-row.js';
import { StatusWordsSchema } from './sql-config.js';
import { messageOf } from './sql-driver.js';
import type { OpenProbe } from './sql-probe.js';

type Fn = (...args: unknown[]) => unknown;
const fn = (name: string, signature: string) =>
  z.custom<Fn>((value) => typeof value === 'function', {
    error: (issue) =>
      issue.input === undefined
        ? `exports no ${name} function; expected \`export async function ${name}${signature}\``
        : `exports ${name} as ${kindOf(issue.input)}, not a function; expected \`export async function ${name}${signature}\``,
  });

/** What a module probe exports: two functions, three optional ones, and optionally how to read `readOrder`'s result. */
export const ProbeModuleSchema = z.looseObject({
  createOrder: fn('createOrder', '(orderId, { amount, amountMinor, currency })'),
  readOrder: fn('readOrder', '(orderId)'),
  health: fn('health', '()').optional(),
  pending: fn('pending', '()').optional(),
  /** Called when the run is over: end the pool or client the module opened (Prisma's `$disconnect()`). */
  close: fn('close', '()').optional(),
  statuses: StatusWordsSchema.optional(),
  amountsInMinorUnits: z
    .boolean({ error: 'exports amountsInMinorUnits as something else than true or false' })
    .optional(),
});

export interface ModuleProbeOptions {
  /** The longest one call may take (default 10 s). */
  readonly deadlineMs?: number;
  /** How the module is loaded (default: dynamic `import()`). */
  readonly importModule?: (url: string) => Promise<Record<string, unknown>>;
}

const DEADLINE_MS = 10_000;
const defaultImport = (url: string) => import(url) as Promise<Record<string, unknown>>;

/**
 * A probe written as functions in the user's own language and process: `createOrder(orderId, { amount, amountMinor,
 * currency })` and `readOrder(orderId)` (the contract's view, or null), optionally `health()`, `pending()` (how many
 * received events are not applied yet) and `close()`, loaded with `import()` and called in-process. Each call is bounded
 * by the deadline.
 */
export async function loadModuleProbe(file: string, options: ModuleProbeOptions = {}): Promise<OpenProbe> {
  const name = basename(file);
  if (!existsSync(file)) {
    throw new IpnError('IPN_ERR_PROBE_MISSING', `no probe module at ${file}.`, {
      hint: 'Pass the path of a .mjs or .js file that exports createOrder and readOrder (README, "Probes without server code").',
    });
  }
  const loaded = await importProbe(file, options.importModule ?? defaultImport);
  // `export default { createOrder, readOrder }` and CommonJS modules put the functions under `default`.
  const exported = typeof loaded.createOrder !== 'function' && isObject(loaded.default) ? loaded.default : loaded;
  const parsed = ProbeModuleSchema.safeParse(exported);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${name} ${issue.message}`);
    throw new IpnError('IPN_ERR_PROBE_INVALID', `${problems.join('; ')}.`, {
      hint: 'See README, "Probes without server code", for a module probe that fits.',
    });
  }
  const probe = parsed.data;
  const deadlineMs = options.deadlineMs ?? DEADLINE_MS;
  const call = (what: string, run: () => unknown) => within(`${name}: ${what}`, deadlineMs, run);
  const reading = {
    source: `${name}: readOrder's result`,
    part: 'field',
    statuses: probe.statuses,
    minorUnits: probe.amountsInMinorUnits,
  } as const;

  const failing = async (what: string, run: () => Promise<unknown>) => {
    try {
      return await run();
    } catch (error) {
      if (isIpnError(error)) throw error;
      throw new IpnError('IPN_ERR_PROBE_INVALID', `${name}: ${what} threw: ${messageOf(error)}.`, {
        hint: `Fix the error in ${name} (the cause holds its stack).`,
        cause: error,
      });
    }
  };

  const client: ProbeClient = {
    async health() {
      try {
        if (probe.health !== undefined) await call('health()', () => probe.health?.());
        if (probe.pending === undefined) return { status: 'ok' };
        const count = await call('pending()', () => probe.pending?.());
        if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
          throw new IpnError(
            'IPN_ERR_PROBE_INVALID',
            `${name}: pending() returned ${kindOf(count)}; expected a whole number of 0 or more.`,
          );
        }
        return { status: 'ok', inboxPending: count };
      } catch (error) {
        if (isIpnError(error)) throw error;
        throw new IpnError('IPN_ERR_PROBE_MISSING', `${name}: health() failed: ${messageOf(error)}.`, {
          hint: `Fix what ${name}'s health() needs (its database, its connection settings); the cause holds the stack.`,
          cause: error,
        });
      }
    },
    async putOrder(orderId, body) {
      const amountMinor = parseDecimal(body.amount, body.currency);
      await failing(`createOrder(${JSON.stringify(orderId)})`, () =>
        call('createOrder', () =>
          probe.createOrder(orderId, { amount: body.amount, amountMinor, currency: body.currency }),
        ),
      );
    },
    async getOrder(orderId) {
      const view = await failing(`readOrder(${JSON.stringify(orderId)})`, () =>
        call('readOrder', () => probe.readOrder(orderId)),
      );
      if (view === null || view === undefined) return null;
      if (!isObject(view)) {
        throw new IpnError(
          'IPN_ERR_PROBE_INVALID',
          `${name}: readOrder(${JSON.stringify(orderId)}) returned ${kindOf(view)}; expected the order's view (an object) or null.`,
        );
      }
      return orderFromRow(orderId, view, reading);
    },
  };
  return {
    client,
    name: `module:${file}`,
    close: async () => {
      await call('close()', () => probe.close?.()).catch(() => {});
    },
  };
}

async function importProbe(
  file: string,
  importModule: (url: string) => Promise<Record<string, unknown>>,
): Promise<Record<string, unknown>> {
  try {
    return await importModule(pathToFileURL(file).href);
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : '';
    if (/\.[mc]?ts$/.test(file) && code === 'ERR_UNKNOWN_FILE_EXTENSION') {
      throw new IpnError(
        'IPN_ERR_PROBE_INVALID',
        `${basename(file)}: Node ${process.versions.node} cannot load TypeScript.`,
        {
          hint: 'Write the probe as .mjs (same code without types), compile it to .js, or use Node >= 22.18, which loads .ts itself.',
        },
      );
    }
    throw new IpnError('IPN_ERR_PROBE_INVALID', `${basename(file)} failed to load: ${messageOf(error)}.`, {
      hint: 'Fix the error above in the probe module (run `node FILE` to see it with its stack).',
      cause: error,
    });
  }
}

/** Runs one call of the module, bounded: a promise that never settles fails after the deadline instead of hanging the run. */
async function within(what: string, deadlineMs: number, run: () => unknown): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new IpnError('IPN_ERR_PROBE_MISSING', `${what} did not settle within ${deadlineMs} ms.`, {
            hint: 'Make the probe function resolve (or throw) once its query is done; check the database it waits on.',
          }),
        ),
      deadlineMs,
    );
  });
  try {
    return await Promise.race([Promise.resolve().then(run), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `a string (${JSON.stringify(value.slice(0, 40))})`;
  if (typeof value === 'number') return `the number ${value}`;
  return `${typeof value === 'object' ? 'an object' : `a ${typeof value}`}`;
}
