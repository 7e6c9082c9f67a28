import type { Scenario } from '../define.js';
import { robustBadInput } from './bad-input.js';
import { compatRotation } from './compat-rotation.js';
import { consistencyAmount } from './consistency-amount.js';
import { forgedRejected } from './forged-rejected.js';
import { idemConcurrent, idemResigned, idemSequential } from './idempotency.js';
import { orderFinalState } from './order-final-state.js';
import { replayWindow } from './replay-window.js';

/** Every scenario, in the order a run reports them. */
export const scenarios: readonly Scenario[] = [
  forgedRejected,
  replayWindow,
  idemSequential,
  idemConcurrent,
  idemResigned,
  orderFinalState,
  consistencyAmount,
  compatRotation,
  robustBadInput,
];
