import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ATTACKER_CERTIFICATE_PEM } from '../../contracts/providers/paypal-rest-certificates.js';

/** The attacker's host, for certificate schemes: what explore's forged cert URLs name. */
export interface AttackerCanary {
  /** `127.0.0.1:port`. */
  readonly host: string;
  /** TCP connections and HTTP requests received so far (an `https:` attempt is a connection, never a request). */
  contacts(): number;
  close(): Promise<void>;
}

/**
 * A loopback server standing for the attacker's host: it answers every request with the attacker's certificate and
 * counts every contact. A receiver that reaches it while verifying a delivery fetched a certificate from a host it must
 * never trust (SSRF), whatever it then answered.
 */
export async function startAttackerCanary(): Promise<AttackerCanary> {
  let contacts = 0;
  const server = createServer((_request, response) => {
    contacts += 1;
    response.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(ATTACKER_CERTIFICATE_PEM);
  });
  server.on('connection', () => {
    contacts += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    contacts: () => contacts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
