/** The typed arrays a compact table is made of. */
export type NumberArray = Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array;

type NumberArrayConstructor<A extends NumberArray> = new (length: number) => A;

/**
 * A column of numbers in one typed array that doubles when full: a million entries cost a few bytes each, never an
 * object each.
 */
export class Column<A extends NumberArray> {
  #data: A;
  #length = 0;
  readonly #make: NumberArrayConstructor<A>;

  constructor(make: NumberArrayConstructor<A>, capacity = 1024) {
    this.#make = make;
    this.#data = new make(Math.max(16, capacity));
  }

  get length(): number {
    return this.#length;
  }

  /** Sets entry `index` (growing the column up to it); returns the index. */
  set(index: number, value: number): number {
    if (index >= this.#data.length) this.#grow(index + 1);
    this.#data[index] = value;
    if (index >= this.#length) this.#length = index + 1;
    return index;
  }

  push(value: number): number {
    return this.set(this.#length, value);
  }

  get(index: number): number {
    return this.#data[index] ?? 0;
  }

  /** Bytes held, for the memory report. */
  get bytes(): number {
    return this.#data.byteLength;
  }

  #grow(atLeast: number): void {
    let capacity = this.#data.length;
    while (capacity < atLeast) capacity *= 2;
    const next = new this.#make(capacity);
    next.set(this.#data as never);
    this.#data = next;
  }
}

/** Entries in one page of a PagedColumn. */
const PAGE_ENTRIES = 1 << 14;
const PAGE_SHIFT = 14;
const PAGE_MASK = PAGE_ENTRIES - 1;

/**
 * A column of numbers in fixed pages of 16,384 entries, for columns that grow to an unknown length (the load plan's):
 * it holds at most one page more than its entries, and growing never copies, so no moment holds the old and the new
 * array at once (a doubling array holds up to twice its entries, and three times while it grows).
 */
export class PagedColumn<A extends NumberArray> {
  readonly #pages: A[] = [];
  #length = 0;
  readonly #make: NumberArrayConstructor<A>;

  constructor(make: NumberArrayConstructor<A>) {
    this.#make = make;
  }

  get length(): number {
    return this.#length;
  }

  push(value: number): number {
    const index = this.#length;
    const page = index >>> PAGE_SHIFT;
    if (page === this.#pages.length) this.#pages.push(new this.#make(PAGE_ENTRIES));
    (this.#pages[page] as A)[index & PAGE_MASK] = value;
    this.#length = index + 1;
    return index;
  }

  get(index: number): number {
    if (index < 0 || index >= this.#length) return 0;
    return (this.#pages[index >>> PAGE_SHIFT] as A)[index & PAGE_MASK] ?? 0;
  }

  /** The last entry's index whose value is at most `value`, or -1: for a column pushed in ascending order. */
  floor(value: number): number {
    let low = 0;
    let high = this.#length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if (this.get(middle) <= value) {
        found = middle;
        low = middle + 1;
      } else high = middle - 1;
    }
    return found;
  }

  get bytes(): number {
    return this.#pages.reduce((sum, page) => sum + page.byteLength, 0);
  }
}

/** Bytes in one page of a StringColumn; no entry is longer. */
const STRING_PAGE_BYTES = 1 << 18;

/**
 * A column of short strings (ids) packed into byte pages of 256 KiB with an end offset per entry: about the string's
 * UTF-8 length plus 4 bytes an entry, where a JavaScript string in an array costs several times that. An entry never
 * straddles two pages (one that does not fit starts the next page), so growing never copies.
 */
export class StringColumn {
  readonly #pages: Buffer[] = [];
  /** Where the next entry may start, over all pages. */
  #used = 0;
  readonly #ends = new PagedColumn(Uint32Array);

  get length(): number {
    return this.#ends.length;
  }

  push(value: string): number {
    if (value.length === 0) return this.#ends.push(this.#used);
    const room = value.length * 3;
    if (room > STRING_PAGE_BYTES) throw new RangeError(`a string of ${value.length} characters is too long to pack`);
    let start = this.#used;
    const offset = start % STRING_PAGE_BYTES;
    // An entry that might not fit in the rest of the page starts the next one (the rest stays unused).
    if (offset + room > STRING_PAGE_BYTES) start += STRING_PAGE_BYTES - offset;
    if (Math.floor(start / STRING_PAGE_BYTES) >= this.#pages.length) this.#pages.push(Buffer.alloc(STRING_PAGE_BYTES));
    const page = this.#pages[Math.floor(start / STRING_PAGE_BYTES)] as Buffer;
    this.#used = start + page.write(value, start % STRING_PAGE_BYTES, 'utf8');
    return this.#ends.push(this.#used);
  }

  get(index: number): string {
    if (index < 0 || index >= this.#ends.length) return '';
    const end = this.#ends.get(index);
    const previous = index === 0 ? 0 : this.#ends.get(index - 1);
    if (end === previous) return '';
    // An entry lies in the page of its last byte; it began there when it did not fit where the previous one ended.
    const pageStart = Math.floor((end - 1) / STRING_PAGE_BYTES) * STRING_PAGE_BYTES;
    const page = this.#pages[pageStart / STRING_PAGE_BYTES] as Buffer;
    return page.toString('utf8', Math.max(previous, pageStart) - pageStart, end - pageStart);
  }

  get bytes(): number {
    return this.#pages.length * STRING_PAGE_BYTES + this.#ends.bytes;
  }
}
