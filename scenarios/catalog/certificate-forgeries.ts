import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Provider, SignInput } from '../../contracts/provider.js';
import { paypalRestHeaders } from '../../contracts/providers/paypal-rest.js';
import {
  ATTACKER_CERTIFICATE_PEM,
  ATTACKER_PRIVATE_KEY_PEM,
} from '../../contracts/providers/paypal-rest-certificates.js';
import { crc32 } from '../../contracts/providers/paypal-rest-crc32.js';
import { fromUtf8, utf8 } from '../../contracts/wire.js';
import type { GatewayEvent } from '../../simulator/events.js';
import { deliveryWith, type SigningContext } from '../../simulator/plan.js';
import type { PhaseIo } from '../define.js';
import type { Finding } from '../verdict.js';

/** Longest one forged request may take before the check gives up on it. */
const GIVE_UP_MS = 10_000;
/** Bounded search for a body whose CRC32 has its top bit set (each try has even odds). */
const MAX_CRC_TRIES = 64;
const CERT_PATH = '/v1/notifications/certs/CERT-attacker';

/** One forged delivery as data: its name, the cert URL it names (given the canary's `127.0.0.1:port`), what it sends. */
interface CertificateForgery {
  readonly name: string;
  readonly certUrl?: (canary: string) => string;
  readonly forge: (
    input: SignInput,
    certUrl: string | undefined,
  ) => { headers: Record<string, string>; body?: Uint8Array };
}

/** Signed by the attacker's key, naming a cert URL that reaches the attacker's canary under a wrong reading. */
const attackerCertUrl = (name: string, certUrl: (canary: string) => string): CertificateForgery => ({
  name,
  certUrl,
  forge: (input, url) => ({
    headers: paypalRestHeaders(input, {
      privateKeyPem: ATTACKER_PRIVATE_KEY_PEM,
      ...(url === undefined ? {} : { certUrl: url }),
    }),
  }),
});

/**
 * Cert URLs whose wrong reading is the attacker's canary, and whose every other reading is the canary or PayPal's own
 * host (never another Internet host). The URL checked by host, its path joined onto a base (`new URL(path, gateway)`):
 * any path that is `//127.0.0.1:port/…` once normalised. Checked as a string: `@`, `#`, `?` and decimal IPs.
 */
export const certificateUrlTricks = [
  attackerCertUrl(
    'cert URL path //host on the sandbox host',
    (c) => `https://api.sandbox.paypal.com//${c}${CERT_PATH}`,
  ),
  attackerCertUrl('cert URL path //host on the live host', (c) => `https://api.paypal.com//${c}${CERT_PATH}`),
  attackerCertUrl('cert URL path /..//host (dot segment)', (c) => `https://api.paypal.com/..//${c}${CERT_PATH}`),
  attackerCertUrl('cert URL path /.//host (dot segment)', (c) => `https://api.paypal.com/.//${c}${CERT_PATH}`),
  attackerCertUrl(
    'cert URL path /%2e%2e//host (encoded dots)',
    (c) => `https://api.paypal.com/%2e%2e//${c}${CERT_PATH}`,
  ),
  attackerCertUrl('cert URL path /%2E//host (encoded dot)', (c) => `https://api.paypal.com/%2E//${c}${CERT_PATH}`),
  attackerCertUrl('cert URL path /\\host (backslash)', (c) => `https://api.paypal.com/\\${c}${CERT_PATH}`),
  attackerCertUrl('cert URL host followed by \\\\host', (c) => `https://api.paypal.com\\\\${c}${CERT_PATH}`),
  attackerCertUrl('cert URL in upper case with //host', (c) => `https://API.PAYPAL.COM//${c}${CERT_PATH}`),
  attackerCertUrl('cert URL host with a trailing dot and //host', (c) => `https://api.paypal.com.//${c}${CERT_PATH}`),
  attackerCertUrl(
    'cert URL with the default port :443 and //host',
    (c) => `https://api.paypal.com:443//${c}${CERT_PATH}`,
  ),
  attackerCertUrl('cert URL host percent-encoded with //host', (c) => `https://api%2Epaypal.com//${c}${CERT_PATH}`),
  attackerCertUrl(
    'cert URL host in fullwidth letters with //host',
    (c) => `https://%EF%BD%81pi.paypal.com//${c}${CERT_PATH}`,
  ),
  attackerCertUrl('cert URL api.paypal.com@host (userinfo)', (c) => `https://api.paypal.com@${c}${CERT_PATH}`),
  attackerCertUrl('cert URL host#@api.paypal.com (fragment)', (c) => `https://${c}#@api.paypal.com${CERT_PATH}`),
  attackerCertUrl('cert URL host?@api.paypal.com (query)', (c) => `https://${c}?@api.paypal.com${CERT_PATH}`),
  attackerCertUrl(
    'cert URL on the attacker as a decimal IP',
    (c) => `http://2130706433:${c.split(':')[1]}${CERT_PATH}`,
  ),
] as const satisfies readonly CertificateForgery[];

/** The certificate-scheme forgeries (PayPal REST), in the order they are sent, each on its own fresh order. */
const certificateForgeries: readonly CertificateForgery[] = [
  {
    name: 'signed by another key under the genuine cert URL',
    forge: (input) => ({ headers: paypalRestHeaders(input, { privateKeyPem: ATTACKER_PRIVATE_KEY_PEM }) }),
  },
  {
    name: 'CRC32 printed as a signed int',
    forge: (input) => {
      const body = withTopBitCrc(input.body);
      return { body, headers: paypalRestHeaders({ ...input, body }, { crc: 'signed' }) };
    },
  },
  attackerCertUrl("cert URL on a foreign host serving the attacker's certificate", (c) => `http://${c}${CERT_PATH}`),
  ...certificateUrlTricks,
];

export const certificateForgeryNames: readonly string[] = certificateForgeries.map((f) => f.name);

/** What the certificate forgeries' phase observed: per forgery, its delivery, cert URL and the canary's count. */
export interface CertificateObservations {
  readonly forgeries: readonly {
    readonly name: string;
    readonly deliveryId: string;
    readonly orderId: string;
    readonly certUrl: string | null;
    readonly connections: number;
    readonly requests: number;
  }[];
  /** Contacts after the last forgery was answered (a receiver fetching in the background). */
  readonly late: number;
}

/**
 * Forgeries a header malformation cannot make, because they need the body and the webhook id (PayPal REST): the right
 * signed string signed by an attacker's key; a signature over the CRC printed as a signed int (for a body whose CRC has
 * the top bit set, so the two decimals differ); and `PAYPAL-CERT-URL`s naming a loopback canary that stands for the
 * attacker's host, plainly or through a URL trick, serving the attacker's certificate. Each goes through the run's
 * deliverer (in the history like any delivery, expected to be refused, its order to stay unpaid); what the canary
 * received during each is the observation `certificateCanaryFindings` judges.
 */
export async function driveCertificateForgeries(
  provider: Provider,
  signing: SigningContext,
  targets: readonly GatewayEvent[],
  io: PhaseIo,
): Promise<CertificateObservations> {
  const canary = await attackerCanary();
  const forgeries: CertificateObservations['forgeries'][number][] = [];
  let attributed = 0;
  try {
    for (const [i, forgery] of certificateForgeries.entries()) {
      const target = targets[i];
      if (target === undefined) continue;
      const certUrl = forgery.certUrl?.(canary.host);
      const id = signing.nextDeliveryId();
      const delivery = deliveryWith(
        target,
        id,
        (nowSeconds) => {
          const input = {
            body: target.body,
            secrets: [signing.secret],
            timestamp: nowSeconds,
            eventId: target.eventId,
            deliveryId: id,
          };
          const forged = forgery.forge(input, certUrl);
          return {
            request: {
              method: 'POST',
              headers: { ...provider.baseHeaders, ...forged.headers },
              body: forged.body ?? target.body,
            },
          };
        },
        { fault: { kind: 'forged', detail: forgery.name }, expect: 'reject', timeoutMs: GIVE_UP_MS },
      );
      const before = canary.seen();
      await io.deliver(delivery);
      const after = canary.seen();
      const connections = after.connections - before.connections;
      const requests = after.requests - before.requests;
      attributed += connections + requests;
      forgeries.push({
        name: forgery.name,
        deliveryId: id,
        orderId: target.orderId,
        certUrl: certUrl ?? null,
        connections,
        requests,
      });
    }
  } finally {
    await canary.close();
  }
  const total = canary.seen();
  return { forgeries, late: total.connections + total.requests - attributed };
}

/** The contacts the canary received, as findings: a receiver that reaches the attacker's host is open to SSRF. */
export function certificateCanaryFindings(phase: string, observed: CertificateObservations): Finding[] {
  const findings = observed.forgeries
    .filter((f) => f.connections + f.requests > 0)
    .map((f) =>
      finding(
        phase,
        `the forgery "${f.name}"${f.certUrl === null ? '' : ` (PAYPAL-CERT-URL ${f.certUrl})`} made the receiver contact ` +
          `the attacker's server (${f.connections} connection(s), ${f.requests} request(s)): ${FIX}`,
        f.orderId,
      ),
    );
  if (observed.late > 0) {
    findings.push(
      finding(
        phase,
        `the attacker's server was contacted ${observed.late} time(s) after the forgeries were answered: ${FIX}`,
        null,
      ),
    );
  }
  return findings;
}

const FIX =
  'parse PAYPAL-CERT-URL once, check its origin (https, an allowed host exactly, no port or credentials), and fetch ' +
  "only PayPal's hosts (api.paypal.com, api.sandbox.paypal.com) by origin and path, never a path joined onto a base URL";

/** The same JSON with trailing spaces until its CRC32 has the top bit set (bounded; the body means the same). */
function withTopBitCrc(body: Uint8Array): Uint8Array {
  let text = fromUtf8(body);
  for (let i = 0; i < MAX_CRC_TRIES && crc32(utf8(text)) < 2 ** 31; i++) text += ' ';
  return utf8(text);
}

/** What the canary saw: TCP connections (an `https:` attempt is one, though never a request) and HTTP requests. */
interface CanarySeen {
  readonly connections: number;
  readonly requests: number;
}

/**
 * The attacker's host: a loopback server answering every request with the attacker's certificate, counting
 * connections and requests (a kept-alive connection carries more requests than connections).
 */
async function attackerCanary(): Promise<{ host: string; seen: () => CanarySeen; close: () => Promise<void> }> {
  const seen = { connections: 0, requests: 0 };
  const server = createServer((_request, response) => {
    seen.requests += 1;
    response.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(ATTACKER_CERTIFICATE_PEM);
  });
  server.on('connection', () => {
    seen.connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    seen: () => ({ ...seen }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function finding(phase: string, problem: string, orderId: string | null): Finding {
  return {
    problem,
    reason: 'canary.contacted',
    phase,
    orderId,
    deliveries: [],
    observed: null,
    expected: null,
    differences: [],
  };
}
