const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'EAI_AGAIN',
  '57P01', // admin_shutdown (pg_ctl stop -m fast)
  '57P02', // crash_shutdown (-m immediate, or another backend crashed)
  '57P03', // cannot_connect_now (starting up, shutting down)
  '57014', // query_canceled (statement_timeout)
  '25006', // read_only_sql_transaction (a read-only server, a standby)
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '58030', // io_error
]);

/**
 * A connection problem, a server that cannot write now (read-only, disk full, out of connections) or a transient
 * conflict: the request may succeed later, so it is answered 503. SQLSTATE class 08 is connection exceptions, class 53
 * insufficient resources (53100 disk_full, 53300 too_many_connections). The messages are node-postgres's own for a
 * connection that ended, timed out or broke.
 */
export function isPostgresUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08') || code.startsWith('53')))
    return true;
  return /Connection terminated|timeout exceeded when trying to connect|not queryable|connection error/i.test(
    error.message,
  );
}
