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

/**
 * A column of short ASCII strings (ids) packed into one byte array with an offset per entry: about the string's length
 * plus 4 bytes an entry, where a JavaScript string in an array costs several times that.
 */
export class StringColumn {
  #bytes = new Uint8Array(64 * 1024);
  #used = 0;
  readonly #ends = new Column(Uint32Array);

  get length(): number {
    return this.#ends.length;
  }

  push(value: string): number {
    const needed = this.#used + value.length * 3;
    if (needed > this.#bytes.length) {
      let capacity = this.#bytes.length;
      while (capacity < needed) capacity *= 2;
      const next = new Uint8Array(capacity);
      next.set(this.#bytes.subarray(0, this.#used));
      this.#bytes = next;
    }
    this.#used += Buffer.from(this.#bytes.buffer, this.#bytes.byteOffset).write(value, this.#used, 'utf8');
    return this.#ends.push(this.#used);
  }

  get(index: number): string {
    if (index < 0 || index >= this.#ends.length) return '';
    const start = index === 0 ? 0 : this.#ends.get(index - 1);
    return Buffer.from(this.#bytes.buffer, this.#bytes.byteOffset + start, this.#ends.get(index) - start).toString(
      'utf8',
    );
  }

  get bytes(): number {
    return this.#bytes.byteLength + this.#ends.bytes;
  }
}
