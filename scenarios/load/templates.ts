import { formatMinor } from '../../contracts/money.js';
import type { PaymentStep, Provider } from '../../contracts/provider.js';

/**
 * Pre-encoded bodies for the load generator: per shape of step (its kind, currency, whether it refunds, its payee),
 * the provider's encoded body split into fixed bytes and slots where the step's own values go (ids, amounts, times).
 * A body is then the fixed bytes with the values spliced in, without building the event or encoding it again.
 *
 * A template is learnt from one event built with sentinel values, and is only trusted once it gave exactly the bytes
 * the provider's builder gives: `verify` compares them on a shape's first events, and a shape that differs once is
 * built by the provider from then on. A provider that derives a value the slots cannot express (a hash of an id, an amount in words) is therefore
 * slower, never wrong.
 */
export interface BodyTemplates {
  /** The step's body from its shape's template; null when the shape has none (the provider builds it). */
  render(step: PaymentStep): Uint8Array | null;
  /**
   * Whether the template gives the builder's bytes (`built`, asked for only while the shape is being checked) for the
   * step; a shape whose template does not is built by the provider from then on. Each shape is compared on its first
   * VERIFIED_PER_SHAPE events (the plan checks every event it adds), then trusted.
   */
  verify(step: PaymentStep, built: () => Uint8Array): boolean;
  /** Shapes seen so far, and how many of them render from a template. */
  coverage(): { readonly shapes: number; readonly templated: number };
}

/** How one slot's value is written: which value of the step, in which form. */
type Value = (step: PaymentStep) => string;

interface Slot {
  readonly sentinel: string;
  readonly value: Value;
}

export interface Template {
  /** The text around the slots: one more than there are slots. */
  readonly fixed: readonly string[];
  readonly slots: readonly Value[];
}

/** Events of each shape compared with the builder's bytes before its template is trusted. */
export const VERIFIED_PER_SHAPE = 64;
const SECOND_MS = 1000;
const isoSeconds = (seconds: number) => new Date(seconds * SECOND_MS).toISOString();

/** Values no real step has: ids outside the world's alphabet and numbers the world never draws. */
const sentinels = {
  eventKey: 'zqjeventkeyzqj',
  orderId: 'zqjorderidzqj',
  paymentKey: 'zqjpaymentkeyzqj',
  refundKey: 'zqjrefundkeyzqj',
  amountMinor: 7_654_321,
  refundAmount: 6_543_219,
  refundCumulative: 5_432_197,
  createdAt: 1_876_543_219,
};

/** Every form a step's value is looked for in, longest first where one form contains another (ms before seconds). */
function slotsFor(sentinel: PaymentStep): Slot[] {
  const amounts: [number, (step: PaymentStep) => number][] = [
    [sentinel.amountMinor, (step) => step.amountMinor],
    ...(sentinel.refund === undefined
      ? []
      : ([
          [sentinel.refund.amountMinor, (step) => step.refund?.amountMinor ?? 0],
          [sentinel.refund.cumulativeMinor, (step) => step.refund?.cumulativeMinor ?? 0],
        ] as [number, (step: PaymentStep) => number][])),
  ];
  const strings: [string, Value][] = [
    [sentinel.eventKey, (step) => step.eventKey],
    [sentinel.orderId, (step) => step.orderId],
    [sentinel.paymentKey, (step) => step.paymentKey],
    ...(sentinel.refund === undefined
      ? []
      : ([[sentinel.refund.key, (step) => step.refund?.key ?? '']] as [string, Value][])),
  ];
  const created = sentinel.createdAt;
  return [
    ...strings.map(([text, value]) => ({ sentinel: text, value })),
    { sentinel: isoSeconds(created), value: (step) => isoSeconds(step.createdAt) },
    {
      sentinel: isoSeconds(created).replace('.000Z', 'Z'),
      value: (step) => isoSeconds(step.createdAt).replace('.000Z', 'Z'),
    },
    { sentinel: String(created * SECOND_MS), value: (step) => String(step.createdAt * SECOND_MS) },
    { sentinel: String(created), value: (step) => String(step.createdAt) },
    ...amounts.flatMap(([amount, of]): Slot[] => [
      { sentinel: formatMinor(amount, sentinel.currency), value: (step) => formatMinor(of(step), step.currency) },
      { sentinel: String(amount), value: (step) => String(of(step)) },
    ]),
  ];
}

function sentinelStep(step: PaymentStep): PaymentStep {
  return {
    ...step,
    eventKey: sentinels.eventKey,
    orderId: sentinels.orderId,
    paymentKey: sentinels.paymentKey,
    amountMinor: sentinels.amountMinor,
    createdAt: sentinels.createdAt,
    ...(step.refund === undefined
      ? {}
      : {
          refund: {
            key: sentinels.refundKey,
            // A refund of the whole amount stays one (a provider may say so: Stripe's `refunded: true`).
            amountMinor: step.refund.amountMinor === step.amountMinor ? sentinels.amountMinor : sentinels.refundAmount,
            cumulativeMinor:
              step.refund.cumulativeMinor === step.amountMinor ? sentinels.amountMinor : sentinels.refundCumulative,
          },
        }),
  };
}

/** The template of a step's shape: the sentinel event's body cut at every sentinel found in it. */
export function learnTemplate(provider: Provider, step: PaymentStep): Template | null {
  const sentinel = sentinelStep(step);
  let body: string;
  try {
    body = Buffer.from(provider.encode(provider.buildEvent(sentinel).event)).toString('utf8');
  } catch {
    return null;
  }
  let parts: (string | Value)[] = [body];
  for (const slot of slotsFor(sentinel)) {
    parts = parts.flatMap((part) => {
      if (typeof part !== 'string') return [part];
      const pieces = part.split(slot.sentinel);
      return pieces.flatMap((piece, i) => (i === 0 ? [piece] : [slot.value, piece]));
    });
  }
  const fixed: string[] = [];
  const slots: Value[] = [];
  let text = '';
  for (const part of parts) {
    if (typeof part === 'string') text += part;
    else {
      fixed.push(text);
      slots.push(part);
      text = '';
    }
  }
  fixed.push(text);
  return { fixed, slots };
}

/** The bytes of a template with a step's values spliced in (joined as text, then encoded once: fewer copies). */
export function renderTemplate(template: Template, step: PaymentStep): Uint8Array {
  const { fixed, slots } = template;
  let text = fixed[0] as string;
  for (let i = 0; i < slots.length; i += 1) text += (slots[i] as Value)(step) + (fixed[i + 1] as string);
  return Buffer.from(text, 'utf8');
}

/** What a template is learnt for: the values a provider may branch on rather than only write. */
function shapeOf(step: PaymentStep): string {
  const { refund } = step;
  const refunds =
    refund === undefined
      ? ''
      : `${refund.amountMinor === step.amountMinor ? 'whole' : 'part'},${refund.cumulativeMinor === step.amountMinor ? 'all' : 'some'}`;
  return `${step.kind}|${step.currency}|${refunds}|${step.payee ?? ''}`;
}

export function createBodyTemplates(provider: Provider): BodyTemplates {
  /** A shape's template, or null once it is known not to give the builder's bytes. */
  const shapes = new Map<string, Template | null>();
  const templateOf = (step: PaymentStep) => {
    const shape = shapeOf(step);
    let template = shapes.get(shape);
    if (template === undefined) {
      template = learnTemplate(provider, step);
      shapes.set(shape, template);
    }
    return template;
  };
  /** How many events of each shape matched their template so far. */
  const matched = new Map<string, number>();
  return {
    render(step) {
      const template = templateOf(step);
      return template === null ? null : renderTemplate(template, step);
    },
    verify(step, built) {
      const template = templateOf(step);
      if (template === null) return false;
      const shape = shapeOf(step);
      const count = matched.get(shape) ?? 0;
      if (count >= VERIFIED_PER_SHAPE) return true;
      if (Buffer.from(built()).equals(renderTemplate(template, step))) {
        matched.set(shape, count + 1);
        return true;
      }
      shapes.set(shape, null);
      return false;
    },
    coverage: () => ({ shapes: shapes.size, templated: [...shapes.values()].filter((t) => t !== null).length }),
  };
}
