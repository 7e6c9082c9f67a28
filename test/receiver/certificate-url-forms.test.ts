import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, onTestFinished, test } from 'vitest';
import { PAYPAL_REST_CERT_NAME, PAYPAL_REST_CERT_URL, paypalRest } from '../../contracts/providers/paypal-rest.js';
import {
  ATTACKER_CERTIFICATE_PEM,
  GATEWAY_CERTIFICATE_PEM,
} from '../../contracts/providers/paypal-rest-certificates.js';
import type { UrlRefusal } from '../../receiver/outbound-url.js';
import { PaypalCertificates } from '../../receiver/paypal-certificates.js';
import { startTestGateway } from '../support/gateway.js';
import { recordingDispatcher } from './recording-dispatcher.js';

/** The attacker's server on a loopback port, serving its certificate; it counts connections (https attempts too). */
async function attackerServer() {
  const seen = { connections: 0, requests: 0 };
  const server = createServer((_request, response) => {
    seen.requests += 1;
    response.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(ATTACKER_CERTIFICATE_PEM);
  });
  server.on('connection', () => {
    seen.connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const CERT = `/v1/notifications/certs/${PAYPAL_REST_CERT_NAME}`;

/** Every URL form, given the attacker's `127.0.0.1:port`, with the rule that must refuse it. */
const forms: readonly (readonly [string, (a: string) => string, UrlRefusal])[] = [
  // The audit's own forms.
  ['audit: // on the sandbox host', (a) => `https://api.sandbox.paypal.com//${a}/cert`, 'path'],
  ['audit: // before a PayPal path', (a) => `https://api.paypal.com//${a}/v1/notifications/certs/CERT-x`, 'path'],
  ['audit: /..//', (a) => `https://api.paypal.com/..//${a}/cert`, 'not-normalised'],
  ['audit: // to evil.example', () => 'https://api.paypal.com//evil.example/cert', 'path'],
  [
    'audit: /..// to the metadata address',
    () => 'https://api.paypal.com/..//169.254.169.254/latest/meta-data',
    'not-normalised',
  ],
  // Dot segments, plain and encoded.
  ['/.//', (a) => `https://api.paypal.com/.//${a}/cert`, 'not-normalised'],
  ['/./ inside the path', () => 'https://api.paypal.com/v1/./notifications/certs/CERT-x', 'not-normalised'],
  ['%2e%2e', (a) => `https://api.paypal.com/%2e%2e//${a}/cert`, 'not-normalised'],
  ['%2E', (a) => `https://api.paypal.com/%2E//${a}/cert`, 'not-normalised'],
  ['%2e%2E deeper', (a) => `https://api.paypal.com/v1/notifications/%2e%2E/%2E./..//${a}/cert`, 'not-normalised'],
  // Authority tricks.
  ['@ userinfo', (a) => `https://api.paypal.com@${a}/cert`, 'credentials'],
  ['user:password@', () => `https://user:pw@api.paypal.com${CERT}`, 'credentials'],
  ['\\\\ after the host', (a) => `https://api.paypal.com\\\\${a}/cert`, 'not-normalised'],
  ['/\\ as the path', (a) => `https://api.paypal.com/\\${a}/cert`, 'not-normalised'],
  ['\\@ after the host', (a) => `https://api.paypal.com\\@${a}/cert`, 'not-normalised'],
  ['#@', (a) => `https://api.paypal.com#@${a}/cert`, 'not-normalised'],
  ['?@', (a) => `https://api.paypal.com?@${a}/cert`, 'not-normalised'],
  ['a fragment', () => `https://api.paypal.com${CERT}#x`, 'query-or-fragment'],
  ['a query naming another host', (a) => `https://api.paypal.com${CERT}?@${a}`, 'query-or-fragment'],
  ['the attacker#.api.paypal.com', (a) => `https://${a}#.api.paypal.com/`, 'not-normalised'],
  // Host spellings.
  ['a trailing dot', () => `https://api.paypal.com.${CERT}`, 'host'],
  ['a trailing dot, encoded', () => `https://api.paypal.com%2e${CERT}`, 'not-normalised'],
  ['upper case', () => `https://API.PAYPAL.COM${CERT}`, 'not-normalised'],
  ['an upper-case scheme', () => `HTTPS://api.paypal.com${CERT}`, 'not-normalised'],
  ['fullwidth letters (IDN mapping)', () => `https://ａｐｉ.paypal.com${CERT}`, 'not-normalised'],
  ['fullwidth letters, percent-encoded', (a) => `https://%EF%BD%81pi.paypal.com//${a}/cert`, 'not-normalised'],
  ['a look-alike IDN', () => `https://api.paypaǀ.com${CERT}`, 'not-normalised'],
  ['a look-alike in punycode', () => `https://api.xn--paypa-9tb.com${CERT}`, 'host'],
  ['a look-alike suffix', () => `https://api.paypal.com.evil.example${CERT}`, 'host'],
  ['surrounding whitespace', () => ` https://api.paypal.com${CERT}`, 'not-normalised'],
  // Ports and schemes.
  ['the default port written out', (a) => `https://api.paypal.com:443//${a}/cert`, 'not-normalised'],
  ['another port', () => `https://api.paypal.com:8443${CERT}`, 'port'],
  ['the attacker’s port on a PayPal host', (a) => `https://api.paypal.com:${a.split(':')[1]}${CERT}`, 'port'],
  ['http:', () => `http://api.paypal.com${CERT}`, 'scheme'],
  ['file:', () => 'file:///etc/passwd', 'scheme'],
  ['ftp:', () => `ftp://api.paypal.com${CERT}`, 'scheme'],
  ['https: without slashes', () => `https:api.paypal.com${CERT}`, 'not-normalised'],
  // IP literals.
  ['the attacker over http', (a) => `http://${a}/cert`, 'scheme'],
  ['IPv4 loopback', () => 'https://127.0.0.1/cert', 'ip-literal'],
  ['the metadata address', () => 'https://169.254.169.254/latest/meta-data', 'ip-literal'],
  ['IPv6 loopback', () => 'https://[::1]/cert', 'ip-literal'],
  ['a decimal IPv4', () => 'https://2130706433/cert', 'not-normalised'],
  ['a hex IPv4', () => 'https://0x7f.1/cert', 'not-normalised'],
  // Paths.
  ['an empty segment', () => 'https://api.paypal.com/v1//notifications/certs/CERT-x', 'path'],
  ['not a URL', () => 'CERT-x', 'not-a-url'],
];

/** The gateway settings: the fake gateway on loopback, the live IPN host for everything (the audit's), and none. */
const settings = [
  ['the fake gateway on loopback', async () => (await startTestGatewayClosedLater()).url],
  ['https://ipnpb.paypal.com as the gateway', async () => 'https://ipnpb.paypal.com'],
  ['no gateway', async () => undefined],
] as const;

async function startTestGatewayClosedLater() {
  const gateway = await startTestGateway('cert-url-forms-key', [paypalRest]);
  onTestFinished(gateway.close);
  return gateway;
}

test.each(settings)(
  'with %s, every URL form is refused by the rule for it, with no request anywhere',
  async (_s, gatewayOf) => {
    const gatewayUrl = await gatewayOf();
    const attacker = await attackerServer();
    const { dispatcher, requests } = recordingDispatcher();
    const certificates = new PaypalCertificates({ dispatcher, ...(gatewayUrl === undefined ? {} : { gatewayUrl }) });
    const answers = [];
    for (const [name, form] of forms) {
      const answer = await certificates.get(form(attacker.host));
      answers.push([name, answer.kind === 'refused' ? answer.refusal : answer.kind]);
      if (answer.kind === 'refused') expect(answer.reason).toMatch(/PAYPAL-CERT-URL/);
    }
    expect(answers).toEqual(forms.map(([name, , refusal]) => [name, refusal]));
    expect(requests).toEqual([]);
    expect(attacker.seen).toEqual({ connections: 0, requests: 0 });
    expect(certificates.fetches).toBe(0);
  },
);

test('with the fake gateway, the genuine cert URL is asked of the gateway’s origin and nothing else', async () => {
  const gateway = await startTestGatewayClosedLater();
  const { dispatcher, requests } = recordingDispatcher();
  const certificates = new PaypalCertificates({ dispatcher, gatewayUrl: `${gateway.url}/some/base/path` });
  expect(await certificates.get(PAYPAL_REST_CERT_URL)).toMatchObject({
    kind: 'certificate',
    pem: GATEWAY_CERTIFICATE_PEM,
  });
  expect(requests).toEqual([{ origin: gateway.url, path: CERT }]);
});

test('with https://ipnpb.paypal.com as the gateway, the genuine cert URL is asked of that origin only', async () => {
  const { dispatcher, mock, requests } = recordingDispatcher();
  mock.get('https://ipnpb.paypal.com').intercept({ path: CERT }).reply(200, GATEWAY_CERTIFICATE_PEM);
  const certificates = new PaypalCertificates({ dispatcher, gatewayUrl: 'https://ipnpb.paypal.com' });
  expect(await certificates.get(PAYPAL_REST_CERT_URL)).toMatchObject({ kind: 'certificate' });
  expect(requests).toEqual([{ origin: 'https://ipnpb.paypal.com', path: CERT }]);
});

test('without a gateway, the genuine cert URL is asked of the host it names, as sent', async () => {
  const { dispatcher, mock, requests } = recordingDispatcher();
  mock.get('https://api.sandbox.paypal.com').intercept({ path: CERT }).reply(200, GATEWAY_CERTIFICATE_PEM);
  const certificates = new PaypalCertificates({ dispatcher });
  expect(await certificates.get(PAYPAL_REST_CERT_URL)).toMatchObject({ kind: 'certificate' });
  expect(requests).toEqual([{ origin: 'https://api.sandbox.paypal.com', path: CERT }]);
});
