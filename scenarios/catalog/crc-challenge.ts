import type { Provider } from '../../contracts/provider.js';
import { fromUtf8 } from '../../contracts/wire.js';
import { eventsOf } from '../../simulator/events.js';
import { deliveryWith, inSequence, type SigningContext } from '../../simulator/plan.js';
import { defineScenario, type PhaseIo } from '../define.js';
import { summarize } from '../judge/answers.js';
import type { ScenarioRecord } from '../record/run-record.js';
import type { Finding } from '../verdict.js';
import { genuineLifecycle, lastEvent } from './helpers.js';

/** Longest a challenge request may take before the gateway's side gives up on it (its own limit is judged apart). */
const CHALLENGE_GIVE_UP_MS = 10_000;

type Challenge = NonNullable<Provider['challenge']>;

/** What the challenge phase saw: the challenge's delivery, the answer a correct receiver gives, the gateway's limit. */
interface ChallengeObservations {
  readonly kind: 'challenge';
  readonly deliveryId: string;
  readonly expected: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

/**
 * X's CRC challenge, whose answer is the POST signature of a body equal to the token. First a genuine
 * challenge: a fresh opaque token must be answered 200 with the JSON the provider's `challenge.respond` gives, within
 * the gateway's timeout. Then the signing-oracle attack: the attacker sends a genuine-looking event body (a payment for
 * a fresh order) as `crc_token`; a receiver that answers it has signed a forgery, which is then POSTed under that
 * answer and must be refused and change nothing. A receiver that answers only short opaque tokens passes. Last, the
 * genuine events, which must apply. Every request goes through the run's deliverer: all of them are in the history.
 */
export const crcChallenge = defineScenario({
  guarantee: 'auth.crc-not-an-oracle',
  diagnosis:
    'Answer GET ?crc_token= with {"response_token":"sha256=" + base64(HMAC-SHA256(consumer secret, crc_token))} ' +
    "within 3 s, and only when crc_token has X's opaque shape (base64/base64url letters, short); refuse anything else " +
    'with a 4xx. The answer is a valid x-twitter-webhooks-signature for a body equal to the token: signing an event ' +
    'body lets anyone forge deliveries.',
  appliesTo: (provider) => provider.challenge !== undefined && provider.signatureHeaders.length > 0,
  judge: (record) => record.phases.flatMap((phase) => challengeFindings(phase.name, phase.observations, record)),
  plan({ provider, world, signing, random }) {
    const challenge = provider.challenge;
    if (challenge === undefined) throw new RangeError(`${provider.id} has no challenge`);
    const order = world.order(genuineLifecycle(provider));
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
          drive: (io) => askChallenge(provider, challenge, signing, io, wanted, token),
        },
        {
          name: 'an event body sent as crc_token, then POSTed under the answer',
          steps: [],
          applied: [],
          drive: (io) => tryOracle(provider, challenge, signing, io, wanted),
        },
        { name: 'the genuine deliveries', steps: inSequence(signing, events), applied: events },
      ],
    };
  },
});

/** A UUID-shaped token, as X's sample CRC token is. */
function opaqueToken(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The challenge `GET {target}?{query}=<token>` as a delivery of the scenario's order. */
function challengeDelivery(
  challenge: Challenge,
  signing: SigningContext,
  about: { readonly orderId: string },
  token: string,
  detail: string,
  expect: 'accept' | 'reject',
) {
  return deliveryWith(
    { eventId: `crc:${token.slice(0, 36)}`, orderId: about.orderId, type: `CRC challenge GET ?${challenge.query}=` },
    signing.nextDeliveryId(),
    () => ({
      request: { method: 'POST', headers: {}, body: new Uint8Array() },
      get: { query: { [challenge.query]: token } },
    }),
    { fault: { kind: 'challenge', detail }, expect, timeoutMs: CHALLENGE_GIVE_UP_MS },
  );
}

async function askChallenge(
  provider: Provider,
  challenge: Challenge,
  signing: SigningContext,
  io: PhaseIo,
  about: { readonly orderId: string },
  token: string,
): Promise<ChallengeObservations> {
  const delivery = challengeDelivery(challenge, signing, about, token, 'a fresh opaque crc_token', 'accept');
  await io.deliver(delivery);
  return {
    kind: 'challenge',
    deliveryId: delivery.id,
    expected: challenge.respond(token, signing.secret),
    timeoutMs: provider.timeoutMs,
  };
}

/**
 * The oracle attack: an event body as the token (a correct receiver refuses it); when it is answered with a signature
 * anyway, the event body POSTed under it (a correct receiver refuses that too). Both are judged as any delivery is.
 */
async function tryOracle(
  provider: Provider,
  challenge: Challenge,
  signing: SigningContext,
  io: PhaseIo,
  wanted: { readonly orderId: string; readonly eventId: string; readonly type: string; readonly body: Uint8Array },
): Promise<null> {
  const body = fromUtf8(wanted.body);
  const asked = await io.deliver(
    challengeDelivery(
      challenge,
      signing,
      wanted,
      body,
      'an event body sent as crc_token (its answer would sign that body)',
      'reject',
    ),
  );
  const signature = asked.statusCode !== null && asked.statusCode < 300 ? signatureIn(asked.detail) : null;
  if (signature === null) return null;
  const header = provider.signatureHeaders[0] ?? '';
  await io.deliver(
    deliveryWith(
      wanted,
      signing.nextDeliveryId(),
      () => ({
        request: { method: 'POST', headers: { ...provider.baseHeaders, [header]: signature }, body: wanted.body },
      }),
      {
        fault: { kind: 'forged', detail: `the event body POSTed with ${header} from its own challenge answer` },
        expect: 'reject',
      },
    ),
  );
  return null;
}

/** The signature in a challenge answer (X: `response_token`), or null. */
function signatureIn(text: string): string | null {
  try {
    const json: unknown = JSON.parse(text);
    if (typeof json !== 'object' || json === null) return null;
    return Object.values(json).find((v): v is string => typeof v === 'string' && v.length > 0) ?? null;
  } catch {
    return null;
  }
}

/** The fresh challenge's answer: the exact JSON, within the gateway's timeout. A refusal is the answer check's. */
function challengeFindings(phase: string, observations: unknown, record: ScenarioRecord): Finding[] {
  const observed = observations as ChallengeObservations | null;
  if (observed?.kind !== 'challenge') return [];
  const attempt = record.attempts.find((a) => a.deliveryId === observed.deliveryId);
  if (attempt === undefined || attempt.statusCode !== 200) return [];
  const findings: Finding[] = [];
  const answer = parse(attempt.detail);
  if (JSON.stringify(answer) !== JSON.stringify(observed.expected)) {
    findings.push(
      finding(
        phase,
        `the challenge answer ${attempt.detail.slice(0, 120)} is not ${JSON.stringify(observed.expected)}`,
        attempt,
      ),
    );
  }
  if (attempt.answeredAt - attempt.sentAt > observed.timeoutMs) {
    findings.push(
      finding(
        phase,
        `the challenge took ${Math.round(attempt.answeredAt - attempt.sentAt)} ms; the gateway waits ${observed.timeoutMs} ms`,
        attempt,
      ),
    );
  }
  return findings;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function finding(phase: string, problem: string, attempt: ScenarioRecord['attempts'][number]): Finding {
  const { orderId } = attempt;
  return {
    problem,
    reason: 'challenge.wrong',
    phase,
    orderId,
    deliveries: [summarize(attempt)],
    observed: null,
    expected: null,
    differences: [],
  };
}
