import { parseArgs } from 'node:util';
import { unixSeconds } from '../../contracts/clock.js';
import { didYouMean } from '../../contracts/did-you-mean.js';
import { IpnError } from '../../contracts/errors.js';
import { signedRequest } from '../../contracts/provider.js';
import { providerById, providerIds, withFamilies } from '../../contracts/providers/index.js';
import { createHttpDeliverer } from '../../simulator/delivery/http.js';
import { gatewayKeyFromSeed } from '../../simulator/gateway/key.js';
import { type Attempt, DeliveryHistory } from '../../simulator/history.js';
import { type Delivery, deliveryWith } from '../../simulator/plan.js';
import { createRandom } from '../../simulator/random.js';
import { styleFor } from '../report/console.js';
import { curlCommand } from '../report/curl-command.js';
import { deliveryLogLines, loggedAttempt } from '../report/delivery-log.js';
import { endpointSecret, parseSeed, parseUrl, required } from './args.js';
import { applyOverrides } from './event-overrides.js';
import type { CliIo } from './io.js';
import { credentialsIn } from './redaction.js';
import { pickEvent, triggerEvents } from './trigger-events.js';

export const triggerHelp = `Usage: ipn-gauntlet trigger <provider> <event-type> --target URL --secret S [options]

Sends one genuine event of the named type, signed as the gateway signs it, in its exact wire format, and prints
each delivery and its answer (\`--> evt_… payment_intent.succeeded\` then \`<-- [200] 12ms {"received":true}\`).
Run it without an event type to list the provider's event types.

  <provider>       ${providerIds.join(' | ')}
  <event-type>     e.g. payment_intent.succeeded, checkout.session.completed (stripe); events without a type field
                   (PayPal IPN, Adyen, Mollie, Shopify, X…) are named by what they mean: pending, succeeded, refunded…
  --target URL     your receiver's webhook URL (e.g. http://127.0.0.1:3000/webhooks/stripe)
  --secret S       the endpoint secret your receiver verifies with (or IPN_GAUNTLET_SECRET)
  --set PATH=VALUE change the event before it is signed (repeatable): a dot path into the decoded event and a value
                   in the field's type, e.g. --set data.object.amount=500 --set data.object.metadata.order_id=ord_1
  --times N        send it N times, each its own delivery of the same event (default 1, at most 1000)
  --concurrent     send the N deliveries all at once instead of one after another
  --print          print a curl command that sends exactly these bytes and headers instead of sending (bash or zsh;
                   signed now, so send it within the provider's tolerance)
  --seed N         the seed the event's amounts and ids are drawn from (default: fresh, printed)
  --notification-url URL  the URL your endpoint is registered under, for schemes that sign it (Square; default --target)
  --gateway-key K  postback providers (paypal-ipn): the key of the fake gateway your receiver asks (\`ipn-gauntlet
                   gateway --gateway-key K\`; also IPN_GAUNTLET_GATEWAY_KEY; default: derived from --seed)

Exit code: 0 every delivery answered 2xx, 1 one was not, 2 usage or setup error.`;

const MAX_TIMES = 1_000;

const options = {
  target: { type: 'string' },
  secret: { type: 'string' },
  set: { type: 'string', multiple: true },
  times: { type: 'string' },
  concurrent: { type: 'boolean' },
  print: { type: 'boolean' },
  seed: { type: 'string' },
  'notification-url': { type: 'string' },
  'gateway-key': { type: 'string' },
} as const;

function parse(args: readonly string[]) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const unknown = /Unknown option '--([^']+)'/.exec(message)?.[1];
    // node's own advice (a positional starting with '-' goes after '--') is not what a mistyped flag needs.
    const said =
      unknown === undefined
        ? message
        : `Unknown option '--${unknown}'.${didYouMean(unknown, Object.keys(options), (name) => `--${name}`)}`;
    throw new IpnError('IPN_ERR_USAGE', `trigger: ${said}`, { hint: 'Run `ipn-gauntlet trigger --help`.' });
  }
}

function parseTimes(value: string | undefined): number {
  if (value === undefined) return 1;
  if (!/^\d{1,4}$/.test(value) || Number(value) < 1 || Number(value) > MAX_TIMES) {
    throw new IpnError('IPN_ERR_USAGE', `--times must be a whole number from 1 to ${MAX_TIMES}, got "${value}".`);
  }
  return Number(value);
}

export async function triggerCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values: flags, positionals } = parse(args);
  const [providerName, type, ...extra] = positionals;
  if (extra.length > 0) {
    throw new IpnError('IPN_ERR_USAGE', `trigger takes a provider and an event type, not also "${extra.join(' ')}".`, {
      hint: 'Run `ipn-gauntlet trigger --help`.',
    });
  }
  const provider = withFamilies(providerById(required(providerName, '<provider>', 'trigger', providerIds.join(' | '))));
  // Where the secret is the merchant's account (PayPal receiver_email) every event carries it, so hiding it would
  // garble the very bytes shown; every other secret is hidden before anything prints.
  if (provider.payeeOf === undefined) io.redactor.add(flags.secret, io.env.IPN_GAUNTLET_SECRET);
  io.redactor.add(flags['gateway-key'], ...credentialsIn(flags.target ?? ''));
  const seed = parseSeed(flags.seed, io.randomSeed);
  const style = styleFor(io.stdout, io.env);
  const nowSeconds = unixSeconds(io.clock);
  const runId = io.randomRunId();
  const eventsFor = (payee?: string) =>
    triggerEvents(provider, {
      random: createRandom(seed),
      runId,
      nowSeconds,
      ...(payee === undefined ? {} : { payee }),
    });
  if (type === undefined) {
    for (const e of eventsFor()) io.stdout.write(`${e.type.padEnd(40)} ${style.dim(e.family)}\n`);
    return 0;
  }
  pickEvent(eventsFor(), type, provider); // an unknown type is said before the flags it needs
  const target = parseUrl(required(flags.target, '--target', 'trigger', "your receiver's webhook URL"), '--target');
  const secret = endpointSecret(flags.secret, io.env, provider, 'trigger');
  // Where the secret names the merchant's account (PayPal receiver_email), the event pays that account.
  const picked = pickEvent(eventsFor(provider.payeeOf === undefined ? undefined : secret), type, provider);
  const times = parseTimes(flags.times);
  if (flags.print === true && (flags.times !== undefined || flags.concurrent === true)) {
    throw new IpnError('IPN_ERR_USAGE', '--print prints one request; it does not go with --times or --concurrent.');
  }
  const notificationUrl =
    flags['notification-url'] === undefined ? target : parseUrl(flags['notification-url'], '--notification-url');
  const gatewayKey = flags['gateway-key'] ?? io.env.IPN_GAUNTLET_GATEWAY_KEY ?? gatewayKeyFromSeed(seed);
  // The event is changed before it is encoded, so what is signed is what the provider would have sent with those values.
  const event = applyOverrides(picked.event, flags.set ?? []);
  let body: Uint8Array;
  try {
    body = picked.provider.encode(event);
  } catch (error) {
    throw new IpnError('IPN_ERR_USAGE', `the ${type} event no longer encodes after --set: ${String(error)}.`);
  }
  const deliveries: Delivery[] = Array.from({ length: times }, (_, i) => {
    const id = `dlv_${String(i + 1).padStart(4, '0')}`;
    return deliveryWith(picked, id, (signedAt) => ({
      request: signedRequest(provider, {
        body,
        eventId: picked.eventId,
        deliveryId: id,
        secrets: [secret],
        timestamp: signedAt,
        notificationUrl,
        ...(provider.postback === undefined ? {} : { gatewayKey }),
      }),
    }));
  });

  if (flags.print === true) {
    const [first] = deliveries;
    if (first === undefined) return 2;
    const signedAt = unixSeconds(io.clock);
    io.stderr.write(`# ${provider.title} ${picked.type} ${picked.eventId} (seed ${seed}), signed at ${signedAt}\n`);
    io.stdout.write(`${curlCommand(target, first.sign(signedAt).request)}\n`);
    return 0;
  }

  io.stdout.write(
    style.dim(
      `${provider.title} ${picked.type} → ${target}  (seed ${seed}, ${times} ${times === 1 ? 'delivery' : `deliveries${flags.concurrent === true ? ' at once' : ''}`})\n`,
    ),
  );
  const history = new DeliveryHistory();
  const deliverer = createHttpDeliverer({
    target,
    timeoutMs: provider.timeoutMs,
    connections: flags.concurrent === true ? times : 1,
    clock: io.clock,
    history,
  });
  const show = (attempts: readonly Attempt[]) => {
    for (const attempt of attempts) io.stdout.write(deliveryLogLines(loggedAttempt(attempt), style));
  };
  try {
    if (flags.concurrent === true) show(await deliverer.deliverStep(deliveries));
    else for (const delivery of deliveries) show(await deliverer.deliverStep([delivery]));
  } finally {
    await deliverer.close();
  }
  const attempts = history.all();
  const acknowledged = attempts.filter((a) => a.statusCode !== null && a.statusCode >= 200 && a.statusCode < 300);
  const line = `${acknowledged.length} of ${attempts.length} ${attempts.length === 1 ? 'delivery' : 'deliveries'} answered 2xx`;
  io.stdout.write(`${acknowledged.length === attempts.length ? style.ok(line) : style.bad(line)}\n`);
  return acknowledged.length === attempts.length ? 0 : 1;
}
