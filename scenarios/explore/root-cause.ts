import type { OrderView } from '../../contracts/probe.js';
import type { Provider } from '../../contracts/provider.js';
import type { Attempt } from '../../simulator/history.js';
import type { WorldOrder } from '../../simulator/world.js';
import { scenarios } from '../catalog/index.js';
import type { Finding, FindingReason } from '../verdict.js';
import type { ExploredGuarantee } from './exclusions.js';

/**
 * The root cause of a failing plan: the guarantee its findings break, as the fixed scenarios would name it. Read from
 * the evidence, not from which faults the plan happens to hold: the delivery whose answer was wrong, and for an order
 * that ended wrong, what differs (an effect run again where the rule runs it once: a copy of an event; money or a
 * status a genuine event cannot explain: an accepted forgery; a status moved back: the arrival order).
 */
export interface RootCause {
  readonly guarantee: ExploredGuarantee;
  /** The reason code of the finding that named it. */
  readonly reason: FindingReason;
  /** Where to look in the receiver's code: the guarantee's diagnosis. */
  readonly diagnosis: string;
}

/** What a played plan gave, as the attribution reads it. */
export interface PlayedEvidence {
  readonly findings: readonly Finding[];
  readonly attempts: readonly Attempt[];
  readonly orders: readonly WorldOrder[];
}

/** When several guarantees show in one plan, the one the others build on is the cause. */
const precedence: readonly ExploredGuarantee[] = [
  'baseline.applied',
  'auth.forged-rejected',
  'auth.verified-postback',
  'auth.replay-window',
  'robust.bad-input',
  'consistency.amount',
  'compat.reformat',
  'compat.rotation',
  'idem.sequential',
  'idem.concurrent',
  'idem.resigned',
  'order.final-state',
];

export function rootCause(played: PlayedEvidence, provider: Provider): RootCause | null {
  const named = played.findings.map((finding) => ({ finding, guarantee: attribute(finding, played, provider) }));
  const first = precedence.flatMap((g) => named.filter((n) => n.guarantee === g).slice(0, 1))[0];
  if (first === undefined) return null;
  return { guarantee: first.guarantee, reason: first.finding.reason, diagnosis: diagnosisOf(first.guarantee) };
}

/** The guarantee's diagnosis from the catalog; the baseline's own words for the baseline. */
export function diagnosisOf(guarantee: ExploredGuarantee): string {
  return (
    scenarios.find((s) => s.guarantee === guarantee)?.diagnosis ??
    'Genuine events, delivered once each in any order, must move the order as the gateway says: handle each event ' +
      "type the gateway sends for the facts you model (answer 2xx to the others), find the order by the gateway's " +
      "reference field, and read amounts in the currency's own exponent."
  );
}

function attribute(finding: Finding, played: PlayedEvidence, provider: Provider): ExploredGuarantee {
  const forgedGuarantee = provider.postback === undefined ? 'auth.forged-rejected' : 'auth.verified-postback';
  const attempt = played.attempts.find((a) => a.deliveryId === finding.deliveries[0]?.deliveryId);
  const kind = attempt?.fault?.kind ?? null;
  switch (finding.reason) {
    case 'answer.accepted-forged':
    case 'state.changed-by-rejected':
      return kind === 'replayed' ? 'auth.replay-window' : forgedGuarantee;
    case 'canary.contacted':
      return 'auth.forged-rejected';
    case 'answer.crashed':
      return kind === 'forged' ? forgedGuarantee : 'robust.bad-input';
    case 'health.down':
      return played.attempts.some((a) => a.fault?.kind === 'malformed') ? 'robust.bad-input' : 'baseline.applied';
    case 'answer.refused-genuine':
      return refusedBecauseOf(kind);
    case 'state.differs':
      return stateCause(finding, played, forgedGuarantee, provider.authentication === 'signature');
    default:
      return 'baseline.applied';
  }
}

function refusedBecauseOf(kind: string | null): ExploredGuarantee {
  switch (kind) {
    case 'reformatted':
      return 'compat.reformat';
    case 'rotated':
      return 'compat.rotation';
    case 'duplicate':
      return 'idem.sequential';
    case 'concurrent':
      return 'idem.concurrent';
    case 'resigned':
      return 'idem.resigned';
    case 'reordered':
      return 'order.final-state';
    default:
      return 'baseline.applied';
  }
}

const COPY_KINDS: ReadonlySet<string> = new Set([
  'duplicate',
  'concurrent',
  'resigned',
  'reformatted',
  'rotated',
  'malformed',
]);

function stateCause(
  finding: Finding,
  played: PlayedEvidence,
  forgedGuarantee: ExploredGuarantee,
  signed: boolean,
): ExploredGuarantee {
  const { observed, expected } = finding;
  const order = played.orders.find((o) => o.orderId === finding.orderId);
  if (observed === null || expected === null || order === undefined) return 'baseline.applied';
  const attempts = played.attempts.filter((a) => a.orderId === order.orderId);
  // Copies of one event accepted more than once (a signed malformed copy a receiver took counts as one).
  const accepted = attempts.filter((a) => a.outcome === 'ok' && a.expect !== 'reject' && a.fault?.kind !== 'forged');
  const copies = accepted.filter((a, i) => accepted.slice(0, i).some((b) => b.eventId === a.eventId));
  const copyKinds = new Set<string>(copies.map((a) => a.fault?.kind ?? 'concurrent'));
  if (copies.length > 0 && effectsRepeated(observed, expected)) {
    // The same bytes again, first; then a new signature (re-signed, reformatted, rotated, a signed malformed copy a
    // receiver took: where there is a signature to change); then copies racing each other.
    if (copyKinds.has('duplicate')) return 'idem.sequential';
    if (['resigned', 'reformatted', 'rotated', 'malformed'].some((kind) => copyKinds.has(kind))) {
      return signed ? 'idem.resigned' : 'idem.sequential';
    }
    if (copyKinds.has('concurrent')) return 'idem.concurrent';
    return 'idem.sequential';
  }
  const forged = attempts.filter(
    (a) => (a.fault?.kind === 'forged' || a.fault?.kind === 'replayed') && a.outcome === 'ok',
  );
  if (forged.length > 0 && !genuineCouldShow(observed, expected)) {
    return forged.every((a) => a.fault?.kind === 'replayed') ? 'auth.replay-window' : forgedGuarantee;
  }
  // No forgery explains it, and the gateway's own payment differs from the order: the rule flags it, never fulfils it.
  if (expected.status === 'flagged') return 'consistency.amount';
  if (attempts.some((a) => a.fault?.kind === 'reordered')) return 'order.final-state';
  if ([...copyKinds].some((kind) => COPY_KINDS.has(kind))) return 'idem.sequential';
  if (forged.length > 0) return forgedGuarantee;
  return 'baseline.applied';
}

/** An effect the rule runs once (or k times) ran more often: what a copy applied again does. */
function effectsRepeated(observed: OrderView, expected: OrderView): boolean {
  return (
    (expected.fulfillments > 0 && observed.fulfillments > expected.fulfillments) ||
    (expected.refunds > 0 && observed.refunds > expected.refunds) ||
    Number(observed.amountRefunded) > Number(expected.amountRefunded)
  );
}

/**
 * Whether the genuine events alone, applied in some wrong order, could leave this state: an order short of money or
 * moved backwards could; money the genuine events never paid, or a flag, could not.
 */
function genuineCouldShow(observed: OrderView, expected: OrderView): boolean {
  if (observed.status === 'flagged') return false;
  if (Number(observed.amountPaid) > Number(expected.amountPaid)) return false;
  if (observed.fulfillments > expected.fulfillments) return false;
  return Number(observed.amountRefunded) <= Number(expected.amountRefunded);
}
