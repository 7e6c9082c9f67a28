import type { Scenario } from '../define.js';
import { idemAfterTimeout } from './after-timeout.js';
import { robustBadInput } from './bad-input.js';
import { compatReformat } from './compat-reformat.js';
import { compatRotation } from './compat-rotation.js';
import { consistencyAmount } from './consistency-amount.js';
import { crcChallenge } from './crc-challenge.js';
import { forgedRejected } from './forged-rejected.js';
import { idemConcurrent, idemResigned, idemSequential } from './idempotency.js';
import { consistencyNoLoss } from './no-loss.js';
import { orderFinalState } from './order-final-state.js';
import { consistencyReconciled } from './reconciled.js';
import { replayWindow } from './replay-window.js';
import { compatUnhandledEvents } from './unhandled-events.js';
import { verifiedPostback } from './verified-postback.js';

/**
 * Every scenario, in the order a run reports them. `consistency.reconciled` comes last: a reconciler reads the whole
 * event list, which holds every scenario's events, so it runs once the others have been judged.
 */
export const scenarios: readonly Scenario[] = [
  forgedRejected,
  replayWindow,
  verifiedPostback,
  crcChallenge,
  idemSequential,
  idemConcurrent,
  idemResigned,
  idemAfterTimeout,
  orderFinalState,
  consistencyAmount,
  compatReformat,
  compatRotation,
  compatUnhandledEvents,
  robustBadInput,
  consistencyNoLoss,
  consistencyReconciled,
];
