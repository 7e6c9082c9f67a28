import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import type { Provider } from '../../contracts/provider.js';
import { paypalRestHeaders } from '../../contracts/providers/paypal-rest.js';
import {
  ATTACKER_CERTIFICATE_PEM,
  ATTACKER_PRIVATE_KEY_PEM,
} from '../../contracts/providers/paypal-rest-certificates.js';
import { crc32 } from '../../contracts/providers/paypal-rest-crc32.js';
import { fromUtf8, utf8 } from '../../contracts/wire.js';
import type { GatewayEvent } from '../../simulator/events.js';
import type { SigningContext } from '../../simulator/plan.js';
import type { Finding } from '../verdict.js';

/** Longest one forged request may take before the check gives up on it. */
const GIVE_UP_MS = 10_000;
/** Bounded search for a body whose CRC32 has its top bit set (each try has even odds). */
const MAX_CRC_TRIES = 64;

/** The certificate-scheme forgeries (PayPal REST), by name, in the order they are sent. */
export const certificateForgeryNames = [
  'signed by another key under the genuine cert URL',
  'CRC32 printed as a signed int',
  "cert URL on a foreign host serving the attacker's certificate",
] as const;

/**
 * Forgeries a header malformation cannot make, because they need the body and the webhook id (PayPal REST): the right
 * signed string signed by an attacker's key; a signature over the CRC printed as a signed int (for a body whose CRC has
 * the top bit set, so the two decimals differ); and a `PAYPAL-CERT-URL` on a foreign host. For the last, a second
 * loopback server stands for the attacker's host, serving the attacker's certificate: a receiver that fetches it is
 * open to SSRF, and one that trusts it accepts the forgery. Each forged event's order must stay unpaid; the check
 * reports every forgery answered 2xx and every request the attacker's server received.
 */
export async function certificateForgeryFindings(
  provider: Provider,
  signing: SigningContext,
  targets: readonly GatewayEvent[],
  url: string,
  phase: string,
): Promise<Finding[]> {
  const findings: Finding[] = [];
  const attacker = await attackerHost();
  try {
    for (const [i, name] of certificateForgeryNames.entries()) {
      const target = targets[i];
      if (target === undefined) continue;
      const input = {
        body: target.body,
        secrets: [signing.secret],
        timestamp: signing.nowSeconds(),
        eventId: target.eventId,
        deliveryId: signing.nextDeliveryId(),
      };
      let body = target.body;
      let headers: Record<string, string>;
      if (name === 'signed by another key under the genuine cert URL') {
        headers = paypalRestHeaders(input, { privateKeyPem: ATTACKER_PRIVATE_KEY_PEM });
      } else if (name === 'CRC32 printed as a signed int') {
        body = withTopBitCrc(target.body);
        headers = paypalRestHeaders({ ...input, body }, { crc: 'signed' });
      } else {
        headers = paypalRestHeaders(input, {
          certUrl: `${attacker.url}/v1/notifications/certs/CERT-attacker`,
          privateKeyPem: ATTACKER_PRIVATE_KEY_PEM,
        });
      }
      const status = await post(url, { ...provider.baseHeaders, ...headers }, body);
      if (status >= 200 && status < 300) {
        findings.push(finding(phase, `the forgery "${name}" was answered ${status}: accepted`, target.orderId));
      }
    }
  } finally {
    await attacker.close();
  }
  if (attacker.requests() > 0) {
    findings.push(
      finding(
        phase,
        `the receiver fetched a PAYPAL-CERT-URL on a foreign host (${attacker.requests()} request(s) to the ` +
          "attacker's server): fetch certificates only from PayPal's hosts (api.paypal.com, api.sandbox.paypal.com)",
        targets[2]?.orderId ?? null,
      ),
    );
  }
  return findings;
}

/** The same JSON with trailing spaces until its CRC32 has the top bit set (bounded; the body means the same). */
function withTopBitCrc(body: Uint8Array): Uint8Array {
  let text = fromUtf8(body);
  for (let i = 0; i < MAX_CRC_TRIES && crc32(utf8(text)) < 2 ** 31; i++) text += ' ';
  return utf8(text);
}

async function post(url: string, headers: Record<string, string>, body: Uint8Array): Promise<number> {
  try {
    const response = await request(url, {
      method: 'POST',
      headers,
      body: Buffer.from(body),
      signal: AbortSignal.timeout(GIVE_UP_MS),
    });
    await response.body.dump();
    return response.statusCode;
  } catch {
    return 0;
  }
}

/** The attacker's host: a loopback server answering every GET with the attacker's certificate, counting requests. */
async function attackerHost(): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let count = 0;
  const server = createServer((_request, response) => {
    count += 1;
    response.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(ATTACKER_CERTIFICATE_PEM);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function finding(phase: string, problem: string, orderId: string | null): Finding {
  return { problem, phase, orderId, deliveries: [], observed: null, expected: null };
}
