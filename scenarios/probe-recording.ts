import type { Clock } from '../contracts/clock.js';
import type { ProbeClient } from './probe-client.js';
import type { ProbeCall } from './record/run-record.js';

/**
 * A probe that is not HTTP (a SQL or module probe), with each call recorded in the run log as the HTTP probe's are:
 * the operation as its method and path, 200 / 404 for what it answered, null and the error when it threw.
 */
export function recordingProbe(inner: ProbeClient, onCall: (call: ProbeCall) => void, clock: Clock): ProbeClient {
  async function recorded<T>(
    method: ProbeCall['method'],
    path: string,
    call: () => Promise<T>,
    status: (value: T) => number,
  ): Promise<T> {
    const sentAt = clock();
    try {
      const value = await call();
      onCall({
        method,
        path,
        sentAt,
        answeredAt: clock(),
        status: status(value),
        detail: JSON.stringify(value ?? null).slice(0, 300),
      });
      return value;
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      onCall({ method, path, sentAt, answeredAt: clock(), status: null, detail: detail.slice(0, 300) });
      throw error;
    }
  }
  const reconcile = inner.reconcile?.bind(inner);
  return {
    ...(reconcile === undefined
      ? {}
      : {
          reconcile: (provider: string) =>
            recorded(
              'POST',
              `/reconcile?provider=${encodeURIComponent(provider)}`,
              () => reconcile(provider),
              (answer) => answer.status,
            ),
        }),
    health: () =>
      recorded(
        'GET',
        '/health',
        () => inner.health(),
        () => 200,
      ),
    putOrder: (orderId, body) =>
      recorded(
        'PUT',
        `/orders/${orderId}`,
        () => inner.putOrder(orderId, body),
        () => 200,
      ),
    getOrder: (orderId) =>
      recorded(
        'GET',
        `/orders/${orderId}`,
        () => inner.getOrder(orderId),
        (order) => (order === null ? 404 : 200),
      ),
  };
}
