import type { Faker } from '@faker-js/faker';
import { faker as englishFaker } from '@faker-js/faker/locale/en';

/** Seeded randomness for everything the simulator decides. The same seed gives the same world, plan and faults. */
export interface Random {
  readonly seed: number;
  /** Integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  shuffle<T>(items: readonly T[]): T[];
  /** Lower-case letters and digits. */
  id(length: number): string;
  bytes(length: number): Uint8Array;
  /** The seeded faker, for realistic names and amounts. */
  readonly faker: Faker;
  /** An independent stream derived from this seed and a label, so adding draws in one place does not shift another. */
  fork(label: string): Random;
}

/**
 * Faker's class, reached through its English build: the package's main entry loads all 70 locales (about 150 ms of
 * every start), `locale/en` only English and the base set, which is what a run uses.
 */
const FakerClass = englishFaker.constructor as new (options: { locale: Faker['rawDefinitions'] }) => Faker;

export function createRandom(seed: number): Random {
  const faker = new FakerClass({ locale: englishFaker.rawDefinitions });
  faker.seed(seed);
  return {
    seed,
    faker,
    int: (min, max) => faker.number.int({ min, max }),
    pick: (items) => {
      if (items.length === 0) throw new RangeError('pick from an empty list');
      return items[faker.number.int({ min: 0, max: items.length - 1 })] as (typeof items)[number];
    },
    shuffle: (items) => faker.helpers.shuffle([...items]),
    id: (length) => faker.string.alphanumeric({ length, casing: 'lower' }),
    bytes: (length) => Uint8Array.from({ length }, () => faker.number.int({ min: 0, max: 255 })),
    fork: (label) => createRandom(deriveSeed(seed, label)),
  };
}

/**
 * FNV-1a over the seed and label: a stable 31-bit seed for a sub-stream. The seed enters through the text only: XORing
 * it into the offset basis as well cancelled it out against its own first digit, so seeds 0 to 9 all gave one stream.
 */
export function deriveSeed(seed: number, label: string): number {
  let hash = 0x811c9dc5;
  for (const char of `${seed}:${label}`) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash & 0x7fffffff;
}
