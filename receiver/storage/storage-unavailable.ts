import { IpnError } from '../../contracts/errors.js';

/**
 * The database could not be reached (or is busy past its timeout) while serving a request. It carries
 * `statusCode: 503`, so fastify answers it with 503 and a JSON body whose `code` is `IPN_ERR_STORAGE_UNAVAILABLE`: the
 * gateway retries, and nothing that was not stored is ever acknowledged.
 */
export class StorageUnavailableError extends IpnError {
  readonly statusCode = 503;

  constructor(what: string, cause: unknown) {
    super('IPN_ERR_STORAGE_UNAVAILABLE', `the database is unavailable (${what}: ${describeCause(cause)}).`, { cause });
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

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' ? `${code} ${cause.message}` : cause.message;
  }
  return String(cause);
}
