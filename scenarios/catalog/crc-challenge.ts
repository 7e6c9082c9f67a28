import { request } from 'undici';
import type { Provider } from '../../contracts/provider.js';
import { fromUtf8 } from '../../contracts/wire.js';
import { answerExcerpt, readAnswerBody } from '../../simulator/delivery/bounded-answer.js';
import { eventsOf } from '../../simulator/events.js';
import { inSequence } from '../../simulator/plan.js';
import { defineScenario } from '../define.js';
import type { Finding, FindingReason } from '../verdict.js';
import { lastEvent } from './helpers.js';

/** Longest a challenge request may take before the check gives up on it (the gateway's own limit is judged apart). */
const CHALLENGE_GIVE_UP_MS = 10_000;

type Challenge = NonNullable<Provider['challenge']>;

/**
 * X's CRC challenge (providers.md §7.2). First a genuine challenge: a fresh opaque token must be answered 200 with the
 * JSON the provider's `challenge.respond` gives, within the gateway's timeout. Then the signing-oracle attack: the CRC
 * answer is `sha256=` + base64 HMAC(consumer secret, token), exactly the POST signature of a body equal to the token,
 * so the attacker sends a genuine-looking event body (a payment for a fresh order) as `crc_token`. A receiver that
 * answers it has signed a forgery: the check says so, then POSTs that body under the answer, which must be refused and
 * change nothing. A receiver that answers only short opaque tokens passes. Last, the genuine events, which must apply.
 */
export const crcChallenge = defineScenario({
  guarantee: 'auth.crc-not-an-oracle',
  diagnosis:
    'Answer GET ?crc_token= with {"response_token":"sha256=" + base64(HMAC-SHA256(consumer secret, crc_token))} ' +
    "within 3 s, and only when crc_token has X's opaque shape (base64/base64url letters, short); refuse anything else " +
    'with a 4xx. The answer is a valid x-twitter-webhooks-signature for a body equal to the token: signing an event ' +
    'body lets anyone forge deliveries.',
  appliesTo: (provider) => provider.challenge !== undefined && provider.signatureHeaders.length > 0,
  plan({ provider, world, signing, random }) {
    const challenge = provider.challenge;
    if (challenge === undefined) throw new RangeError(`${provider.id} has no challenge`);
    const order = world.order('paid');
    const events = eventsOf(provider, order);
    const wanted = lastEvent(events);
    const token = opaqueToken(random.bytes(16));
    return {
      orders: [order],
      phases: [
        {
          name: 'a CRC challenge with a fresh token',
          steps: [],
          applied: [],
          check: ({ url }) => answersChallenge(provider, challenge, signing.secret, url, token),
        },
        {
          name: 'an event body sent as crc_token, then POSTed under the answer',
          steps: [],
          applied: [],
          check: ({ url }) => refusesOracle(provider, challenge, url, fromUtf8(wanted.body), wanted.orderId),
        },
        { name: 'the genuine deliveries', steps: inSequence(signing, events), applied: events },
      ],
    };
  },
});

/** A challenge answer is a small JSON object: more than this is not read. */
const MAX_CHALLENGE_ANSWER_BYTES = 4 * 1024;

/** A UUID-shaped token, as X's sample CRC token is. */
function opaqueToken(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function finding(
  phase: string,
  problem: string,
  orderId: string | null = null,
  reason: FindingReason = 'challenge.wrong',
): Finding {
  return { problem, reason, phase, orderId, deliveries: [], observed: null, expected: null, differences: [] };
}

async function ask(url: string, challenge: Challenge, token: string) {
  const target = new URL(url);
  target.searchParams.set(challenge.query, token);
  const started = performance.now();
  const response = await request(target, { method: 'GET', signal: AbortSignal.timeout(CHALLENGE_GIVE_UP_MS) });
  const text = answerExcerpt(
    await readAnswerBody(response.body, MAX_CHALLENGE_ANSWER_BYTES),
    MAX_CHALLENGE_ANSWER_BYTES,
  );
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: response.statusCode, json, text, elapsedMs: performance.now() - started };
}

async function answersChallenge(
  provider: Provider,
  challenge: Challenge,
  secret: string,
  url: string,
  token: string,
): Promise<Finding[]> {
  const phase = 'a CRC challenge with a fresh token';
  let answer: Awaited<ReturnType<typeof ask>>;
  try {
    answer = await ask(url, challenge, token);
  } catch (error) {
    return [finding(phase, `GET ?${challenge.query}=… got no answer: ${(error as Error).message}`)];
  }
  const expected = challenge.respond(token, secret);
  const findings: Finding[] = [];
  if (answer.status !== 200) {
    findings.push(finding(phase, `GET ?${challenge.query}=<opaque token> answered ${answer.status}, not 200`));
  } else if (JSON.stringify(answer.json) !== JSON.stringify(expected)) {
    findings.push(
      finding(phase, `the challenge answer ${answer.text.slice(0, 120)} is not ${JSON.stringify(expected)}`),
    );
  }
  if (answer.elapsedMs > provider.timeoutMs) {
    findings.push(
      finding(
        phase,
        `the challenge took ${Math.round(answer.elapsedMs)} ms; ${provider.title} waits ${provider.timeoutMs} ms`,
      ),
    );
  }
  return findings;
}

async function refusesOracle(
  provider: Provider,
  challenge: Challenge,
  url: string,
  body: string,
  orderId: string,
): Promise<Finding[]> {
  const phase = 'an event body sent as crc_token, then POSTed under the answer';
  let answer: Awaited<ReturnType<typeof ask>>;
  try {
    answer = await ask(url, challenge, body);
  } catch (error) {
    return [finding(phase, `GET ?${challenge.query}=<event body> got no answer: ${(error as Error).message}`)];
  }
  const signature = signatureIn(answer.json);
  if (answer.status < 200 || answer.status >= 300 || signature === null) return [];
  const findings = [
    finding(
      phase,
      `the challenge endpoint signed an event body sent as ${challenge.query} (answered ${answer.status}): its answer ` +
        'is a valid signature for that body, so anyone can forge deliveries',
      orderId,
      'challenge.oracle',
    ),
  ];
  const header = provider.signatureHeaders[0] ?? '';
  const forged = await request(url, {
    method: 'POST',
    headers: { ...provider.baseHeaders, [header]: signature },
    body,
    signal: AbortSignal.timeout(CHALLENGE_GIVE_UP_MS),
  });
  await forged.body.dump();
  if (forged.statusCode >= 200 && forged.statusCode < 300) {
    findings.push(
      finding(
        phase,
        `the event body POSTed with ${header} from its own challenge answer was accepted`,
        orderId,
        'answer.accepted-forged',
      ),
    );
  }
  return findings;
}

/** The signature in a challenge answer: its string value (X: `response_token`), or null. */
function signatureIn(json: unknown): string | null {
  if (typeof json !== 'object' || json === null) return null;
  const value = Object.values(json).find((v): v is string => typeof v === 'string' && v.length > 0);
  return value ?? null;
}
