import { IpnError } from '../../contracts/errors.js';
import type { CompiledSql } from './sql-parameters.js';

export type Row = Readonly<Record<string, unknown>>;

/** A statement ready to run: its text with the driver's placeholders, and the values in binding order. */
export interface BoundStatement {
  readonly sql: CompiledSql;
  readonly values: readonly unknown[];
  /** `the read SQL`, named in errors. */
  readonly what: string;
}

/** What the SQL probe needs of a database: rows of one statement, several in one transaction, and closing. */
export interface SqlDriver {
  query(statement: BoundStatement): Promise<readonly Row[]>;
  transaction(statements: readonly BoundStatement[]): Promise<void>;
  close(): Promise<void>;
}

export interface DriverOptions {
  /** How the reports name the database (password redacted). */
  readonly shown: string;
  /** The longest one call may take, connecting included. */
  readonly deadlineMs: number;
}

/** The database could not be reached (or did not answer in time): IPN_ERR_PROBE_MISSING, naming it without password. */
export function unreachable(shown: string, reason: string, cause: unknown): IpnError {
  return new IpnError('IPN_ERR_PROBE_MISSING', `the SQL probe could not use the database at ${shown} (${reason}).`, {
    hint: "Check that the receiver's database is running and that the probe's url names it (user, password, host, port, database or file).",
    cause,
  });
}

/** The database refused a statement of the probe's SQL: IPN_ERR_PROBE_INVALID, with the database's own words. */
export function statementFailed(what: string, shown: string, reason: string, cause: unknown): IpnError {
  return new IpnError('IPN_ERR_PROBE_INVALID', `${what} failed on ${shown}: ${reason}.`, {
    hint: `Fix ${what} in the probe configuration; try it in your database's shell with the parameters filled in.`,
    cause,
  });
}

export function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return messageOf(error.errors[0]);
  if (error instanceof Error) {
    const code = 'code' in error && typeof error.code === 'string' ? error.code : '';
    const text = error.message === '' ? code : error.message;
    return code !== '' && !text.includes(code) ? `${text} (${code})` : text;
  }
  return String(error);
}
