import { Agent, request } from 'undici';
import { IpnError } from '../contracts/errors.js';
import { type Health, HealthSchema, type OrderView, OrderViewSchema, type PutOrderBody } from '../contracts/probe.js';

/** The harness's side of the probe contract: three plain HTTP calls to any receiver. */
export interface ProbeClient {
  health(): Promise<Health>;
  putOrder(orderId: string, body: PutOrderBody): Promise<void>;
  /** null when the receiver answers 404 (it does not know the order). */
  getOrder(orderId: string): Promise<OrderView | null>;
}

const TIMEOUT_MS = 10_000;
/** Probe calls in flight at once; reading thousands of orders queues instead of opening thousands of sockets. */
const CONNECTIONS = 16;

export function createProbeClient(base: string): ProbeClient {
  const root = base.replace(/\/+$/, '');
  const url = (path: string) => `${root}${path}`;
  const dispatcher = new Agent({ connections: CONNECTIONS, keepAliveTimeout: 2_000 });

  async function call(method: 'GET' | 'PUT', path: string, body?: unknown) {
    try {
      const response = await request(url(path), {
        dispatcher,
        method,
        headersTimeout: TIMEOUT_MS,
        bodyTimeout: TIMEOUT_MS,
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
      const text = await response.body.text();
      return { status: response.statusCode, text };
    } catch (error) {
      throw new IpnError(
        'IPN_ERR_PROBE_MISSING',
        `the probe at ${url(path)} could not be reached (${String(error)}).`,
        {
          cause: error,
        },
      );
    }
  }

  function json(text: string, what: string): unknown {
    try {
      return JSON.parse(text);
    } catch {
      throw new IpnError(
        'IPN_ERR_PROBE_INVALID',
        `${what} answered with a body that is not JSON: ${text.slice(0, 120)}`,
      );
    }
  }

  return {
    async health() {
      const { status, text } = await call('GET', '/health');
      if (status !== 200) {
        throw new IpnError('IPN_ERR_PROBE_MISSING', `GET ${url('/health')} answered ${status}, not 200.`);
      }
      if (text.trim() === '') return {};
      const parsed = HealthSchema.safeParse(json(text, `GET ${url('/health')}`));
      return parsed.success ? parsed.data : {};
    },
    async putOrder(orderId, body) {
      const path = `/orders/${encodeURIComponent(orderId)}`;
      const { status, text } = await call('PUT', path, body);
      if (status < 200 || status >= 300) {
        throw new IpnError(
          'IPN_ERR_PROBE_INVALID',
          `PUT ${url(path)} answered ${status} (${text.slice(0, 160)}); the probe must create the order and answer 2xx.`,
        );
      }
    },
    async getOrder(orderId) {
      const path = `/orders/${encodeURIComponent(orderId)}`;
      const { status, text } = await call('GET', path);
      if (status === 404) return null;
      if (status !== 200) throw new IpnError('IPN_ERR_PROBE_INVALID', `GET ${url(path)} answered ${status}, not 200.`);
      const parsed = OrderViewSchema.safeParse(json(text, `GET ${url(path)}`));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new IpnError(
          'IPN_ERR_PROBE_INVALID',
          `GET ${url(path)} answered an order the probe contract does not allow: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}.`,
        );
      }
      return parsed.data;
    },
  };
}
