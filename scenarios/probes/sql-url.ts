import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IpnError } from '../../contracts/errors.js';
import type { SqlDialect } from './sql-parameters.js';

/** Where a SQL probe's database is, and how the reports name it (never with its password). */
export type SqlTarget =
  | { readonly dialect: 'sqlite'; readonly path: string; readonly shown: string }
  | { readonly dialect: Exclude<SqlDialect, 'sqlite'>; readonly url: string; readonly shown: string };

/**
 * Reads a SQL probe's URL: `postgres://…` (or `postgresql://`), `mysql://…` (or `mariadb://`), `sqlite:PATH` or
 * `file:PATH` (`file:///abs/shop.db` too). A relative SQLite path resolves against `baseDir`, the directory of the file
 * that names it.
 */
export function sqlTarget(url: string, baseDir: string): SqlTarget {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') return { dialect: 'postgres', url, shown: redactUrl(url) };
  if (scheme === 'mysql' || scheme === 'mariadb') {
    const mysql = scheme === 'mariadb' ? `mysql:${url.slice('mariadb:'.length)}` : url;
    return { dialect: 'mysql', url: mysql, shown: redactUrl(url) };
  }
  if (scheme === 'sqlite' || scheme === 'file') {
    const path = sqlitePath(url, scheme);
    if (path === '' || path === ':memory:') {
      throw new IpnError('IPN_ERR_CONFIG_INVALID', `the SQL probe's url ${url} names no database file.`, {
        hint: "Point it at the receiver's own SQLite file: sqlite:/path/to/shop.db (a relative path starts from the config file's directory).",
      });
    }
    const absolute = isAbsolute(path) ? path : resolve(baseDir, path);
    return { dialect: 'sqlite', path: absolute, shown: `sqlite:${absolute}` };
  }
  throw new IpnError(
    'IPN_ERR_CONFIG_INVALID',
    `the SQL probe's url must start with postgres://, mysql://, sqlite: or file:, got ${scheme === undefined ? 'no scheme' : `${scheme}:`}.`,
    { hint: "Give the receiver's database URL, e.g. postgres://user@127.0.0.1:5432/shop or sqlite:./shop.db." },
  );
}

function sqlitePath(url: string, scheme: string): string {
  if (scheme === 'file' && url.startsWith('file://')) return fileURLToPath(url);
  const rest = url.slice(scheme.length + 1);
  // `sqlite:///abs/shop.db` is `/abs/shop.db`, as `sqlite:/abs/shop.db` is.
  return rest.startsWith('//') ? rest.slice(2).replace(/^\/+/, '/') : rest;
}

/** The URL with the password of its user (and a `password=` parameter) replaced by `***`. */
export function redactUrl(url: string): string {
  return url
    .replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^:/@?#]*:)[^@/?#]*@/, '$1***@')
    .replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/** The password in a URL (user info or `password=`), for the redactor; undefined when there is none. */
export function passwordsIn(url: string): string[] {
  const found: string[] = [];
  const user = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^:/@?#]*:([^@/?#]+)@/.exec(url)?.[1];
  if (user !== undefined) found.push(user, decodeSafely(user));
  for (const match of url.matchAll(/[?&]password=([^&#]+)/gi)) found.push(match[1] ?? '', decodeSafely(match[1] ?? ''));
  return found.filter((p) => p !== '');
}

function decodeSafely(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
