import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** Why a delivery failed verification. Receivers answer these as 400 with the reason as the error code. */
export const VerifyFailureSchema = z.enum([
  'missing_signature',
  'malformed_signature',
  'no_matching_signature',
  'timestamp_too_old',
  'timestamp_too_new',
]);
export type VerifyFailure = z.infer<typeof VerifyFailureSchema>;

export type VerifyResult =
  | { readonly ok: true; readonly timestamp?: number }
  | { readonly ok: false; readonly reason: VerifyFailure; readonly message: string };

export function rejected(reason: VerifyFailure, message: string): VerifyResult {
  return { ok: false, reason, message };
}

/** Constant-time comparison of two encoded signatures; different lengths compare unequal without leaking where. */
export function safeEqual(expected: string, candidate: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(candidate, 'utf8');
  if (a.length !== b.length) {
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}

/** Checks a signed timestamp against a tolerance window; `future: null` accepts any future time (Stripe). */
export function checkTimestamp(
  timestamp: number,
  nowSeconds: number,
  tolerance: { readonly past: number; readonly future: number | null },
): VerifyResult {
  if (nowSeconds - timestamp > tolerance.past) {
    return rejected('timestamp_too_old', `timestamp ${timestamp} is more than ${tolerance.past}s old`);
  }
  if (tolerance.future !== null && timestamp - nowSeconds > tolerance.future) {
    return rejected('timestamp_too_new', `timestamp ${timestamp} is more than ${tolerance.future}s in the future`);
  }
  return { ok: true, timestamp };
}
