import { IpnError } from '../../contracts/errors.js';

export type SqlDialect = 'postgres' | 'sqlite' | 'mysql';

/** A statement with its named parameters replaced by the driver's placeholders, and the names in binding order. */
export interface CompiledSql {
  readonly text: string;
  /** The names to bind, in order: one per placeholder (`?`), or one per distinct name for PostgreSQL (`$1`, `$2`). */
  readonly names: readonly string[];
}

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

/**
 * Replaces `:name` parameters outside string literals, quoted identifiers, comments and (PostgreSQL) `::casts` and
 * dollar-quoted bodies with the dialect's placeholders. Values are bound by the driver, never written into the text.
 * `what` names the statement in errors (`the read SQL`); `allowed` the parameters it may use.
 */
export function compileSql(sql: string, dialect: SqlDialect, what: string, allowed: readonly string[]): CompiledSql {
  const names: string[] = [];
  const distinct: string[] = [];
  let out = '';
  let i = 0;
  const copyUntil = (end: string, from: number, backslashEscapes = false): number => {
    let j = from;
    while (j < sql.length) {
      if (backslashEscapes && sql[j] === '\\') j += 2;
      else if (sql.startsWith(end, j)) return j + end.length;
      else j += 1;
    }
    throw configError(`${what} has a quote or comment that never ends (no closing ${end}).`);
  };
  while (i < sql.length) {
    const c = sql[i] ?? '';
    let next = i + 1;
    // MySQL strings, and PostgreSQL's E'…' strings, escape with backslashes.
    if (c === "'")
      next = copyUntil("'", i + 1, dialect === 'mysql' || (dialect === 'postgres' && escapeString(sql, i)));
    else if (c === '"') next = copyUntil('"', i + 1, dialect === 'mysql');
    else if (c === '`' && dialect !== 'postgres') next = copyUntil('`', i + 1);
    else if (c === '-' && sql[i + 1] === '-') next = sql.indexOf('\n', i) === -1 ? sql.length : sql.indexOf('\n', i);
    else if (c === '/' && sql[i + 1] === '*') next = copyUntil('*/', i + 2);
    else if (c === '$' && dialect === 'postgres') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag !== null) next = copyUntil(tag[0], i + tag[0].length);
      else if (/^\$\d/.test(sql.slice(i))) throw positional(what, sql.slice(i, i + 2));
    } else if (c === '?' && dialect !== 'postgres') throw positional(what, '?');
    else if (c === ':' && sql[i + 1] === ':') next = i + 2;
    else if (c === ':') {
      NAME.lastIndex = i + 1;
      const name = NAME.exec(sql)?.[0];
      if (name !== undefined) {
        if (!allowed.includes(name)) {
          throw configError(
            `${what} names :${name}, which is not one of its parameters; it may use ${allowed.length === 0 ? 'none' : allowed.map((n) => `:${n}`).join(', ')}.`,
          );
        }
        names.push(name);
        if (!distinct.includes(name)) distinct.push(name);
        out += dialect === 'postgres' ? `$${distinct.indexOf(name) + 1}` : '?';
        i += 1 + name.length;
        continue;
      }
    }
    out += sql.slice(i, next);
    i = next;
  }
  return { text: out, names: dialect === 'postgres' ? distinct : names };
}

/** The values to bind, in the order `compiled.names` asks for them. */
export function bindValues(compiled: CompiledSql, values: Readonly<Record<string, unknown>>): unknown[] {
  return compiled.names.map((name) => values[name]);
}

function escapeString(sql: string, quote: number): boolean {
  return /[Ee]/.test(sql[quote - 1] ?? '') && !/[A-Za-z0-9_]/.test(sql[quote - 2] ?? '');
}

function positional(what: string, placeholder: string): IpnError {
  return configError(
    `${what} uses the positional placeholder ${placeholder}; write named parameters such as :orderId, which the probe binds for each driver.`,
  );
}

function configError(message: string): IpnError {
  return new IpnError('IPN_ERR_CONFIG_INVALID', message, {
    hint: 'Fix the SQL in the probe configuration (see README, "Probes without server code").',
  });
}
