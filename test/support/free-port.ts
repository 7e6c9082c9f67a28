import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * A TCP port free on the loopback right now (for a process that must keep its port across restarts), drawn below the
 * kernel's ephemeral range: servers that listen on port 0 and outgoing connections take their ports from that range,
 * so the port is not handed to another test's server between this call and the receiver's listen. Two workers drawing
 * the same port is left to chance (one in thousands) and to the bind check.
 */
export async function freePort(): Promise<number> {
  const below = ephemeralLow();
  for (let tries = 0; tries < 50 && below > LOWEST_PORT + 1_000; tries += 1) {
    const port = LOWEST_PORT + Math.floor(Math.random() * (below - LOWEST_PORT));
    if (await bindable(port)) return port;
  }
  return listenOn(0);
}

/** Ports drawn from here up to the ephemeral range (20000: clear of the well-known services' usual ports). */
const LOWEST_PORT = 20_000;

function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : 0;
  } catch {
    return 0;
  }
}

async function bindable(port: number): Promise<boolean> {
  return listenOn(port).then(
    () => true,
    () => false,
  );
}

async function listenOn(port: number): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
  return address.port;
}
