/**
 * `ipn-gauntlet/vitest`: the gauntlet as tests of your own vitest suite. vitest is your project's dependency (a peer):
 * only this entry imports it, never the main `ipn-gauntlet` entry.
 *
 *   import { describeGuarantees } from 'ipn-gauntlet/vitest';
 */
export {
  applicableGuarantees,
  type DescribedGuarantees,
  type DescribeGuaranteesOptions,
  describeGuarantees,
  type Lazy,
} from './describe-guarantees.js';
export { verdictDiff, verdictFailure, verdictUnknown } from './verdict-failure.js';
