import { createHmac } from 'node:crypto';

/**
 * The fake gateway's key: what it marks the messages it sends with (PayPal `verify_sign`) so that its postback server,
 * in this process or another, recognises them. Derived from the run's seed unless one is given, so
 * `ipn-gauntlet gateway --seed N` answers for `ipn-gauntlet run --seed N`.
 */
export function gatewayKeyFromSeed(seed: number): string {
  return createHmac('sha256', 'ipn-gauntlet fake gateway').update(String(seed)).digest('hex');
}
