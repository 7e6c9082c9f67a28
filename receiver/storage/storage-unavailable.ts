import { IpnError } from '../../contracts/errors.js';

/**
 * The database could not be reached, written or locked in time while serving a request. It carries
 * `statusCode: 503`, so the receiver answers 503 with `code: IPN_ERR_STORAGE_UNAVAILABLE`: the gateway retries, and
 * nothing that was not stored is ever acknowledged. The message is the same for every cause and names no address, path
 * or driver text (anonymous callers read it); `detail` has the driver's error for the log.
 */
export class StorageUnavailableError extends IpnError {
  readonly statusCode = 503;
  /** What the database was asked to do, e.g. "storing a delivery". */
  readonly what: string;
  /** The driver's error code and message, for the log only (it may name the server's address or the file's path). */
  readonly detail: string;

  constructor(what: string, cause: unknown) {
    super('IPN_ERR_STORAGE_UNAVAILABLE', `the database is unavailable (${what}); try again later.`, { cause });
    this.what = what;
    this.detail = describeCause(cause);
  }
}

export function isStorageUnavailable(error: unknown): error is StorageUnavailableError {
  return error instanceof StorageUnavailableError;
}

/** A connection URL safe to print: the password, if any, replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(a database URL that does not parse)';
  }
}

export function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' ? `${code} ${cause.message}` : cause.message;
  }
  return String(cause);
}
