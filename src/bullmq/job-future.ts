import { Future, FutureState } from '../index.js';

/**
 * The future of a job on a {@link BullMQExecutor}: an aiox `Future` (so `wait`, `asCompleted`, `collect` take
 * it) that also carries the job's id, by which another executor on the same queue can re-attach to it.
 *
 * `cancel()` succeeds while the executor has not yet heard that a host took the job: the job is removed from
 * the queue, or, if a host has just taken it, stopped there. Once a host is known to run it, `cancel()` fails,
 * as for a running task on a pool; pass a signal to stop a running job. A future from `attach()` cannot be
 * cancelled until the executor has read the job's state (it may have finished already, and cancelling it
 * would remove its result): `cancel()` returns false until then.
 * @example
 * ```ts
 * import { BullMQExecutor } from 'aiox/bullmq';
 * import { taskRef } from 'aiox';
 * await using executor = new BullMQExecutor({ connection: { host: 'localhost', port: 6379 } });
 * const future = executor.submit(taskRef<(n: number) => number>(new URL('./tasks.js', import.meta.url), 'square'), 7);
 * console.log(future.jobId); // save it: executor.attach(jobId) gives a future for the same job later
 * ```
 */
export class JobFuture<T> extends Future<T> {
  /** The BullMQ job's id. */
  readonly jobId: string;
  readonly #withdraw: (future: JobFuture<T>) => void;
  readonly #mayCancel: (future: JobFuture<T>) => boolean;

  /**
   * @internal Made by the executor: `withdraw` stops a job whose future was cancelled, and `mayCancel` says
   * whether a pending one may be.
   */
  constructor(jobId: string, withdraw: (future: JobFuture<T>) => void, mayCancel: (future: JobFuture<T>) => boolean = () => true) {
    super();
    this.jobId = jobId;
    this.#withdraw = withdraw;
    this.#mayCancel = mayCancel;
  }

  override cancel(): boolean {
    if (this.state !== FutureState.PENDING) return super.cancel();
    if (!this.#mayCancel(this)) return false;
    const cancelled = super.cancel();
    if (cancelled) this.#withdraw(this);
    return cancelled;
  }
}
