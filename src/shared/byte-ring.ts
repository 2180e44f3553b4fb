/**
 * Variable-length records in a ring of bytes: a 4-byte little-endian length, then the payload, either of
 * which may wrap around the end. The caller keeps the head and the fill level and makes sure a record
 * fits; these only copy.
 */
export class ByteRing {
  readonly #bytes: Uint8Array;
  readonly #length = new Uint8Array(4);
  readonly #lengthView = new DataView(this.#length.buffer);

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  get capacity(): number {
    return this.#bytes.length;
  }

  /** Writes one record at `at`; returns the bytes it took. */
  write(at: number, payload: Uint8Array): number {
    this.#lengthView.setUint32(0, payload.length, true);
    this.#copyIn(at, this.#length);
    this.#copyIn((at + 4) % this.capacity, payload);
    return 4 + payload.length;
  }

  /**
   * Reads the record at `at` into new memory of this thread. `max` is how many payload bytes can be there
   * at most: a length beyond it means the memory was written by something else, and nothing is allocated.
   */
  read(at: number, max: number): Uint8Array {
    this.#copyOut(at, this.#length);
    const length = this.#lengthView.getUint32(0, true);
    if (length > max) throw new RangeError(`a record claims ${length} bytes where at most ${max} are queued: the memory is corrupt`);
    const payload = new Uint8Array(length);
    this.#copyOut((at + 4) % this.capacity, payload);
    return payload;
  }

  #copyIn(at: number, source: Uint8Array): void {
    const first = Math.min(source.length, this.capacity - at);
    this.#bytes.set(source.subarray(0, first), at);
    if (first < source.length) this.#bytes.set(source.subarray(first), 0);
  }

  #copyOut(at: number, target: Uint8Array): void {
    const first = Math.min(target.length, this.capacity - at);
    target.set(this.#bytes.subarray(at, at + first));
    if (first < target.length) target.set(this.#bytes.subarray(0, target.length - first), first);
  }
}
