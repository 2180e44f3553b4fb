/**
 * A first-in first-out line of waiters, the piece every waiting primitive in `sync/` is built on.
 *
 * It is a doubly linked list rather than a {@link Deque} because an aborted waiter must leave from the
 * middle of the line at once: a lazy "skip it later" would keep a slot (and its promise) alive for as
 * long as nobody wakes the line, which for a lock held for hours is a leak. Each waiter listens to its
 * signal only while it is in the line; whichever comes first, waking or aborting, removes the other.
 */

interface Node<T, D> {
  readonly data: D;
  readonly resolve: (value: T) => void;
  readonly reject: (reason: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
  prev: Node<T, D> | undefined;
  next: Node<T, D> | undefined;
  /** False once the waiter has left the line, by waking, aborting or being withdrawn. */
  queued: boolean;
}

/** One waiter's place in the line. */
export interface Ticket<T> {
  /** Settles when the waiter is woken (resolves), aborted (rejects with `signal.reason`) or withdrawn. */
  readonly promise: Promise<T>;
  /** Takes the waiter out of the line and resolves it with `value`; false if it had already left. */
  withdraw(value: T): boolean;
}

export class Waiters<T, D = undefined> {
  #head: Node<T, D> | undefined;
  #tail: Node<T, D> | undefined;
  #length = 0;
  readonly #onAbort: (() => void) | undefined;

  /** `onAbort` runs after an aborted waiter has left, so its owner can wake whoever it was blocking. */
  constructor(onAbort?: () => void) {
    this.#onAbort = onAbort;
  }

  get length(): number {
    return this.#length;
  }

  /** The data of the first waiter (check `length` first: `undefined` is a valid datum). */
  peek(): D | undefined {
    return this.#head?.data;
  }

  /**
   * Joins the end of the line. The caller must check `signal.aborted` first if it wants an already
   * aborted signal to win over a value that is available at once; here it only rejects.
   */
  enqueue(data: D, signal?: AbortSignal): Ticket<T> {
    let resolve!: (value: T) => void;
    let reject!: (reason: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    if (signal?.aborted) {
      reject(signal.reason);
      return { promise, withdraw: () => false };
    }
    const node: Node<T, D> = {
      data,
      resolve,
      reject,
      signal,
      onAbort: () => {
        this.#remove(node);
        reject(signal!.reason);
        this.#onAbort?.();
      },
      prev: this.#tail,
      next: undefined,
      queued: true,
    };
    if (this.#tail === undefined) this.#head = node;
    else this.#tail.next = node;
    this.#tail = node;
    this.#length++;
    signal?.addEventListener('abort', node.onAbort, { once: true });
    return {
      promise,
      withdraw: (value) => {
        if (!node.queued) return false;
        this.#remove(node);
        resolve(value);
        return true;
      },
    };
  }

  /** Wakes the first waiter with `value`; false if the line was empty. */
  wakeFirst(value: T): boolean {
    const node = this.#head;
    if (node === undefined) return false;
    this.#remove(node);
    node.resolve(value);
    return true;
  }

  /** Rejects every waiter with `reason` and empties the line. */
  rejectAll(reason: unknown): void {
    for (let node = this.#head; node !== undefined; node = this.#head) {
      this.#remove(node);
      node.reject(reason);
    }
  }

  #remove(node: Node<T, D>): void {
    if (!node.queued) return;
    node.queued = false;
    node.signal?.removeEventListener('abort', node.onAbort);
    if (node.prev === undefined) this.#head = node.next;
    else node.prev.next = node.next;
    if (node.next === undefined) this.#tail = node.prev;
    else node.next.prev = node.prev;
    node.prev = node.next = undefined;
    this.#length--;
  }
}
