import type { GatewayEvent } from '../events.js';
import { copiesOf, deliveryOf, type PlanStep, type SigningContext } from '../plan.js';

/** The same delivery `copies` times, one after another, each waiting for the previous answer. */
export function sequentialCopies(ctx: SigningContext, event: GatewayEvent, copies: number): PlanStep[] {
  return Array.from({ length: copies }, (_, i) => [
    deliveryOf(ctx, event, i === 0 ? {} : { fault: { kind: 'duplicate', detail: `copy ${i + 1} of ${copies}` } }),
  ]);
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
