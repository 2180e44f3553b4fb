/**
 * Claims decide, without a message round trip, whether a task sent to a thread worker will run there.
 *
 * Every task sent to a worker gets the next sequence number of that worker and a cell in a shared ring.
 * The engine marks the cell SENT before posting; the worker, just before running the task, moves it from
 * SENT to CLAIMED with a compare-and-swap; the engine can take a task back by moving it from SENT to
 * REVOKED. Exactly one of the two swaps succeeds, so a task taken back never runs on the first worker, and
 * a task claimed is never taken back. The worker answers a revoked task with RESULT_SKIPPED, keeping one
 * answer per task in order.
 *
 * This is how an idle thread worker takes queued work back from one stuck behind a slow task, and how a
 * future handed to a thread worker stays cancellable until the worker starts it. Child processes share no
 * memory, so they have no claims: their tasks count as started once sent, and are never given back. Only
 * a child that dies of an error raised outside any task can say which it had not begun (see pool/worker-exit.ts).
 */

/** Cells in a worker's ring; the engine never has more than this many tasks unanswered on one worker. */
export const CLAIM_RING = 8192;
const MASK = CLAIM_RING - 1;

const SENT = 1;
const CLAIMED = 2;
const REVOKED = 3;
/** Claimed, and the task has read its signal (see TaskContext.signal): it may stop when asked. */
const WATCHED = 4;

/** The engine's side of one worker's claims. */
export class ClaimBoard {
  readonly buffer = new SharedArrayBuffer(4 * CLAIM_RING);
  readonly #cells = new Int32Array(this.buffer);

  markSent(seq: number): void {
    Atomics.store(this.#cells, seq & MASK, SENT);
  }

  /** Whether the worker has claimed task `seq` (started it, or is about to). */
  claimed(seq: number): boolean {
    const cell = Atomics.load(this.#cells, seq & MASK);
    return cell === CLAIMED || cell === WATCHED;
  }

  /** Whether task `seq`, claimed, has read its signal: only such a task may stop when asked. */
  watched(seq: number): boolean {
    return Atomics.load(this.#cells, seq & MASK) === WATCHED;
  }

  /** Takes task `seq` back; false if the worker has already claimed it. */
  revoke(seq: number): boolean {
    return Atomics.compareExchange(this.#cells, seq & MASK, SENT, REVOKED) === SENT;
  }
}

/** The worker's side: true if the task may run, false if the engine took it back. */
export function claim(cells: Int32Array, seq: number): boolean {
  return Atomics.compareExchange(cells, seq & MASK, SENT, CLAIMED) === SENT;
}

/** The worker's side: task `seq`, which it claimed, has read its signal. */
export function watch(cells: Int32Array, seq: number): void {
  Atomics.compareExchange(cells, seq & MASK, CLAIMED, WATCHED);
}
