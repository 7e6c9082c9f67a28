import { providerIds, providers } from '../../contracts/providers/index.js';
import { gatewayKeyFromSeed } from '../../simulator/gateway/key.js';
import { startGateway } from '../../simulator/gateway/server.js';
import { parseFlags, parsePort, parseSeed } from './args.js';
import type { CliIo } from './io.js';

export const gatewayHelp = `Usage: ipn-gauntlet gateway [--port N] [--host H] [--seed N | --gateway-key K]

Starts the fake gateway's own API on its own: PayPal's IPN postback, POST /cgi-bin/webscr with
cmd=_notify-validate&<the IPN's exact bytes>, answered VERIFIED when the bytes are exactly an IPN the gauntlet sent
(same fields, order and charset) and INVALID otherwise. Configure your receiver with its URL
(IPN_GAUNTLET_GATEWAY_URL for the reference receiver). \`run\` and \`demo\` start one themselves.
Also Stripe's GET /v1/events/:id and /v1/payment_intents/:id (Authorization: Bearer sk_test_…): a gateway started
alone knows no run's events and answers 404 resource_missing; \`run --provider stripe --gateway-port N\` serves the
run's own. In a receiver's unit tests, ipn-gauntlet/msw serves the same answers in-process.

  --port N           port to listen on (default 8787; 0 = a free port)
  --host H           address to listen on (default 127.0.0.1)
  --seed N           answer for the run with this seed (\`ipn-gauntlet run --seed N\`)
  --gateway-key K    or the key given to \`run --gateway-key K\` (also IPN_GAUNTLET_GATEWAY_KEY)`;

export async function gatewayCommand(args: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags(args, ['port', 'host', 'seed', 'gateway-key'], 'gateway');
  const given = flags['gateway-key'] ?? io.env.IPN_GAUNTLET_GATEWAY_KEY;
  const seed = given === undefined || given === '' ? parseSeed(flags.seed, io.randomSeed) : undefined;
  const key = seed === undefined ? (given ?? '') : gatewayKeyFromSeed(seed);
  const gateway = await startGateway({
    key,
    providers: providerIds.map((id) => providers[id]),
    port: parsePort(flags.port, 8787),
    host: flags.host ?? '127.0.0.1',
  });
  const matching = seed === undefined ? 'the given key' : `seed ${seed}`;
  io.stdout.write(`Fake gateway at ${gateway.url} (PayPal postback: ${gateway.url}/cgi-bin/webscr; ${matching})\n`);
  await io.untilStopped();
  await gateway.close();
  return 0;
}
