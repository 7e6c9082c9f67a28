import type { GatewayEvent } from '../events.js';
import { copiesOf, deliveryOf, type PlanStep, type SigningContext } from '../plan.js';

/**
 * The same delivery `copies` times, one after another, each waiting for the previous answer. The copies are
 * byte-identical to the first (its signing reused), so whether a receiver deduplicates at all never depends on two
 * sends falling either side of a second's boundary: a copy with a new signature is `resignedCopy`'s, judged by
 * idem.resigned. A copy leaving later than half the provider's signature tolerance after the first is signed anew,
 * so none is ever stale.
 */
export function sequentialCopies(ctx: SigningContext, event: GatewayEvent, copies: number): PlanStep[] {
  const tags = Array.from({ length: copies }, (_, i) =>
    i === 0 ? null : { kind: 'duplicate' as const, detail: `copy ${i + 1} of ${copies}` },
  );
  const past = ctx.provider.tolerance?.past;
  const freshForSeconds = past === undefined ? Number.POSITIVE_INFINITY : Math.floor(past / 2);
  return copiesOf(ctx, event, tags, {}, freshForSeconds).map((copy) => [copy]);
}

/** `copies` identical deliveries released together behind a barrier: one signing, byte-identical requests. */
export function concurrentCopies(ctx: SigningContext, event: GatewayEvent, copies: number): PlanStep[] {
  const tags = Array.from({ length: copies }, (_, i) => ({
    kind: 'concurrent' as const,
    detail: `copy ${i + 1} of ${copies}`,
  }));
  return [copiesOf(ctx, event, tags)];
}

/**
 * The event delivered, then re-sent later as the gateway re-sends it: a new timestamp and so a new signature
 * (and a new delivery id where the provider has one), the same event identity.
 */
export function resignedCopy(ctx: SigningContext, event: GatewayEvent): PlanStep[] {
  // The first delivery was signed earlier than it leaves, but still inside the provider's tolerance (Paddle's is 5 s).
  const past = ctx.provider.tolerance?.past ?? 180;
  const earlierBySeconds = Math.max(1, Math.min(90, Math.floor(past / 2)));
  return [
    [deliveryOf(ctx, event, { timestampOffsetSeconds: -earlierBySeconds })],
    [deliveryOf(ctx, event, { fault: { kind: 'resigned', detail: `re-signed ${earlierBySeconds}s later` } })],
  ];
}
