import { IpnError } from '../../contracts/errors.js';
import { parseDecimal } from '../../contracts/money.js';
import type { Health } from '../../contracts/probe.js';
import type { ProbeClient } from '../probe-client.js';
import { mysqlDriver } from './mysql-driver.js';
import { orderFromRow } from './order-row.js';
import { postgresDriver } from './postgres-driver.js';
import type { SqlProbeSettings } from './sql-config.js';
import type { BoundStatement, DriverOptions, SqlDriver } from './sql-driver.js';
import { bindValues, type CompiledSql, compileSql } from './sql-parameters.js';
import { type SqlTarget, sqlTarget } from './sql-url.js';
import { sqliteDriver } from './sqlite-driver.js';

/** A probe that is not HTTP, with what the reports call it and how to let go of what it holds. */
export interface OpenProbe {
  readonly client: ProbeClient;
  /** `sql:postgres://shop:***@127.0.0.1/shop`, `sql:sqlite:/srv/shop.db`, `module:/app/probe.mjs`. */
  readonly name: string;
  close(): Promise<void>;
}

export interface SqlProbeOptions {
  /** Where a relative SQLite path starts: the directory of the file that configures the probe. */
  readonly baseDir: string;
  /** The longest one call may take, connecting included (default 10 s). */
  readonly deadlineMs?: number;
}

const CREATE_PARAMETERS = ['orderId', 'amount', 'amountMinor', 'currency'];
const DEADLINE_MS = 10_000;

/**
 * The probe contract over the receiver's own database: `create` makes the order the harness names, `read` returns one
 * row for it in the contract's terms (the receiver's status words mapped through `statuses`), `pending` counts what is
 * not applied yet. Every SQL text is checked when the probe is made; nothing connects until the first call.
 */
export function createSqlProbe(settings: SqlProbeSettings, options: SqlProbeOptions): OpenProbe {
  const target = sqlTarget(settings.url, options.baseDir);
  const creates = (Array.isArray(settings.create) ? settings.create : [settings.create]).map((sql, index, all) =>
    compileSql(
      sql,
      target.dialect,
      all.length === 1 ? 'the create SQL' : `create statement ${index + 1}`,
      CREATE_PARAMETERS,
    ),
  );
  const read = compileSql(settings.read, target.dialect, 'the read SQL', ['orderId']);
  if (!read.names.includes('orderId')) {
    throw new IpnError(
      'IPN_ERR_CONFIG_INVALID',
      'the read SQL does not use :orderId, so it cannot find the order asked for.',
      {
        hint: 'Select the order by the harness\'s id: … WHERE orders.id = :orderId (README, "Probes without server code").',
      },
    );
  }
  const pending =
    settings.pending === undefined ? undefined : compileSql(settings.pending, target.dialect, 'the pending SQL', []);
  const driver = openDriver(target, { shown: target.shown, deadlineMs: options.deadlineMs ?? DEADLINE_MS });
  const bound = (sql: CompiledSql, what: string, values: Record<string, unknown> = {}): BoundStatement => ({
    sql,
    values: bindValues(sql, values),
    what,
  });
  const reading = {
    source: "the read SQL's row",
    part: 'column',
    statuses: settings.statuses,
    minorUnits: settings.amountsInMinorUnits,
  } as const;

  const client: ProbeClient = {
    async health(): Promise<Health> {
      if (pending === undefined) {
        await driver.query(bound(compileSql('SELECT 1', target.dialect, 'the health check', []), 'the health check'));
        return { status: 'ok' };
      }
      const [row] = await driver.query(bound(pending, 'the pending SQL'));
      return { status: 'ok', inboxPending: pendingCount(row) };
    },
    async putOrder(orderId, body) {
      const amountMinor = parseDecimal(body.amount, body.currency);
      if (amountMinor === null) {
        throw new IpnError(
          'IPN_ERR_PROBE_INVALID',
          `the amount ${body.amount} ${body.currency} has more decimals than ${body.currency} allows.`,
        );
      }
      const values = { orderId, amount: body.amount, amountMinor, currency: body.currency };
      await driver.transaction(
        creates.map((sql, index) =>
          bound(sql, creates.length === 1 ? 'the create SQL' : `create statement ${index + 1}`, values),
        ),
      );
    },
    async getOrder(orderId) {
      const rows = await driver.query(bound(read, 'the read SQL', { orderId }));
      if (rows.length === 0) return null;
      if (rows.length > 1) {
        throw new IpnError(
          'IPN_ERR_PROBE_INVALID',
          `the read SQL returned ${rows.length} rows for order ${orderId}; expected one.`,
          {
            hint: 'Select one row per order: aggregate joined rows (COUNT, SUM) in subqueries or GROUP BY the order.',
          },
        );
      }
      return orderFromRow(orderId, rows[0] ?? {}, reading);
    },
  };
  return { client, name: `sql:${target.shown}`, close: () => driver.close() };
}

function openDriver(target: SqlTarget, options: DriverOptions): SqlDriver {
  if (target.dialect === 'sqlite') return sqliteDriver(target.path, options);
  return target.dialect === 'postgres' ? postgresDriver(target.url, options) : mysqlDriver(target.url, options);
}

function pendingCount(row: Readonly<Record<string, unknown>> | undefined): number {
  const value = row === undefined ? undefined : Object.values(row)[0];
  const count =
    typeof value === 'string' && /^\d+$/.test(value)
      ? Number(value)
      : typeof value === 'bigint'
        ? Number(value)
        : value;
  if (typeof count === 'number' && Number.isSafeInteger(count) && count >= 0) return count;
  throw new IpnError(
    'IPN_ERR_PROBE_INVALID',
    `the pending SQL returned ${row === undefined ? 'no row' : String(value)}; expected one row whose first column is a count, a whole number of 0 or more.`,
    {
      hint: 'Count the received events not applied yet, e.g. SELECT COUNT(*) FROM webhook_events WHERE processed_at IS NULL.',
    },
  );
}
