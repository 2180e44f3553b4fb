import { ClaimBoard } from '../wire/claims.js';
import { STASH_BYTES } from '../wire/result-stash.js';
import type { FromWorker, WorkerInit } from '../wire/protocol.js';
import { publishSpawn, workerSpawnChannel } from './diagnostics.js';
import { liveWorkers } from './dispatch.js';
import type { Transport } from './transport.js';
import { WorkerSlot, WorkerState, type StopReason } from './worker-slot.js';

/** What the worker set needs of the pool's options. */
export interface WorkerSetOptions {
  /** How workers are started and reached, and what that allows. */
  readonly transport: Transport;
  readonly maxWorkers: number;
  readonly minWorkers: number;
  readonly idleTimeout: number;
  readonly maxTasksPerWorker: number;
  /** What every worker is given; each gets a token of its own on top (see WorkerInit.token). */
  readonly init: Omit<WorkerInit, 'token'>;
  /** The executor the diagnostics channels name as the publisher (see diagnostics.ts). */
  readonly pool?: object;
}

/** What the worker set tells the engine, and asks of it. */
export interface WorkerSetHost {
  message(worker: WorkerSlot, message: FromWorker): void;
  exit(worker: WorkerSlot, code: number | null, signal: NodeJS.Signals | null, error: Error | undefined): void;
  /** Queued tasks not sent yet. */
  queued(): number;
  /** Whether the pool still takes work: only then is a worker stopped for an abort replaced. */
  open(): boolean;
  /** A replacement joined: queued work may go to it. */
  replaced(): void;
}

/**
 * The pool's workers: starting them (for queued work, or to keep minWorkers), stopping them (idle for
 * idleTimeout, retired, aborted, shut down), and replacing one stopped for an abort at once, from a spare.
 */
export class WorkerSet {
  readonly #options: WorkerSetOptions;
  readonly #host: WorkerSetHost;
  readonly #all: WorkerSlot[] = [];
  #nextId = 1;
  /** The worker started ahead of need to replace the next one stopped for an abort (see #replace). */
  #spare: WorkerSlot | undefined;

  constructor(options: WorkerSetOptions, host: WorkerSetHost) {
    this.#options = options;
    this.#host = host;
  }

  /** Every worker not exited yet, stopping and spare ones included. */
  get all(): readonly WorkerSlot[] {
    return this.#all;
  }

  /** Starts a worker; one started for queued work keeps the program alive until it is ready to take it. */
  spawn(forWork: boolean): WorkerSlot {
    const { transport, init, maxTasksPerWorker } = this.#options;
    const claims = transport.canWithdraw ? new ClaimBoard() : undefined;
    const stash = claims !== undefined ? new SharedArrayBuffer(STASH_BYTES) : undefined;
    const worker = new WorkerSlot(this.#nextId++, maxTasksPerWorker, claims, stash, init.concurrency ?? 1);
    this.#all.push(worker);
    // Not a secret (task code can read its workerData): only a number task code has no reason to send. So
    // Math.random, not node:crypto, whose loading alone costs a program's import of aiox about 3 ms.
    const token = Math.floor(Math.random() * 2 ** 47);
    const start: WorkerInit = claims === undefined ? { ...init, token, worker: worker.id } : { ...init, claims: claims.buffer, stash, token, worker: worker.id };
    const host = this.#host;
    worker.start(() =>
      transport.spawn(start, {
        message: (message) => host.message(worker, message),
        exit: (code, signal, error) => host.exit(worker, code, signal, error),
      }),
    );
    if (!forWork) worker.handle.unref();
    if (workerSpawnChannel.hasSubscribers) publishSpawn({ pool: this.#options.pool ?? this, kind: transport.kind }, worker);
    return worker;
  }

  /**
   * Work is queued and no worker is idle: starts as many workers as there is queued work for, within
   * maxWorkers, at once so that their start-ups overlap. A worker still starting now keeps the program alive.
   */
  grow(): void {
    // One walk counts what liveWorkers() counts and the workers still starting (this runs on dispatch).
    let starting = 0;
    let live = 0;
    for (const w of this.#all) {
      if (w.spare || w.state === WorkerState.STOPPING) continue;
      live++;
      if (w.state !== WorkerState.STARTING) continue;
      starting++;
      w.handle.ref();
    }
    if (live >= this.#options.maxWorkers) return;
    const queued = this.#host.queued();
    for (; live < this.#options.maxWorkers && starting < queued; live++, starting++) this.spawn(true);
  }

  /** Starts workers until minWorkers are live (after a crash, an abort or a retirement). */
  refill(): void {
    for (let live = liveWorkers(this.#all); live < this.#options.minWorkers; live++) this.spawn(false);
  }

  /** Tells `worker` to stop, for `reason`; one stopped for an abort is replaced at once. */
  stop(worker: WorkerSlot, reason: StopReason = 'other'): void {
    if (worker.stop(reason) && reason === 'abort' && this.#host.open()) this.#replace();
  }

  /** `worker` has nothing in flight: a retired one stops; one above minWorkers stops after idleTimeout. */
  idle(worker: WorkerSlot): void {
    if (worker.idle()) return this.stop(worker);
    const { idleTimeout, minWorkers } = this.#options;
    if (idleTimeout === Infinity || this.#all.length <= minWorkers || worker.state === WorkerState.STOPPING) return;
    worker.stopWhenIdleFor(idleTimeout, () => {
      if (this.#all.length > minWorkers) this.stop(worker, 'idle');
    });
  }

  /** Cancels the tasks handed to thread workers that have not started them (a process starts what it is sent). */
  cancelUnstarted(): void {
    for (const worker of this.#all) {
      if (!worker.canWithdraw) continue;
      for (let i = 0; i < worker.inflight.length; i++) worker.inflight.at(i)!.cancel();
    }
  }

  /** `worker` has exited: it leaves the set. */
  remove(worker: WorkerSlot): void {
    if (this.#spare === worker) this.#spare = undefined;
    this.#all.splice(this.#all.indexOf(worker), 1);
  }

  /**
   * Replaces a worker stopped for an abort at once, not once it has exited: a stopping worker runs nothing
   * and does not count towards maxWorkers (see liveWorkers). The spare started at the previous such stop
   * becomes the replacement, ready by now; and a new spare starts, so that a pool whose tasks are often
   * stopped does not wait for a start each time. A spare is one worker more than maxWorkers, taking no work
   * until it replaces one, and stops when idle for idleTimeout, as any worker does.
   */
  #replace(): void {
    const spare = this.#spare;
    this.#spare = undefined;
    if (spare !== undefined) {
      spare.replaceStopped();
      if (this.#host.queued() > 0) spare.handle.ref();
    } else if (liveWorkers(this.#all) < this.#options.maxWorkers) {
      this.spawn(this.#host.queued() > 0);
    }
    this.#spare = this.spawn(false);
    this.#spare.keepAsSpare();
    this.#host.replaced();
  }
}
