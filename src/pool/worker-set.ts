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
  /** Workers started ahead of need, oldest first, each to replace the next one stopped for an abort (see #replace). */
  readonly #spares: WorkerSlot[] = [];
  /** How many spares to keep started (see {@link sparesWanted}); 0 until a worker is stopped for an abort. */
  #sparesWanted = 0;

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
    const worker = new WorkerSlot(this.#nextId++, maxTasksPerWorker, transport.canWithdraw, init.concurrency ?? 1);
    this.#all.push(worker);
    // Not a secret (task code can read its workerData): only a number task code has no reason to send. So
    // Math.random, not node:crypto, whose loading alone costs a program's import of aiox about 3 ms.
    const token = Math.floor(Math.random() * 2 ** 47);
    const host = this.#host;
    worker.start((shared) =>
      transport.spawn({ ...init, ...shared, token, worker: worker.id }, {
        message: (message) => host.message(worker, message),
        exit: (code, signal, error) => host.exit(worker, code, signal, error),
      }),
      forWork,
    );
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
      w.wanted();
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
    if (!worker.stop(reason)) return;
    if (worker.spare) this.#dropSpare(worker);
    else if (reason === 'abort' && this.#host.open()) this.#replace();
  }

  /**
   * `worker` has nothing in flight: a retired one stops; one above minWorkers stops after idleTimeout, and so
   * does a spare. Only live workers (see liveWorkers) count towards minWorkers, counted when the time is up:
   * neither a spare nor a worker stopping keeps minWorkers, and timers that end together stop no more than
   * the workers above it.
   */
  idle(worker: WorkerSlot): void {
    if (worker.idle()) return this.stop(worker);
    const { idleTimeout } = this.#options;
    if (idleTimeout === Infinity || worker.state === WorkerState.STOPPING || !this.#aboveMin(worker)) return;
    worker.stopWhenIdleFor(idleTimeout, () => {
      if (this.#aboveMin(worker)) this.stop(worker, 'idle');
    });
  }

  /** Whether `worker` may stop for being idle: a spare, or a worker while live ones are above minWorkers. */
  #aboveMin(worker: WorkerSlot): boolean {
    return worker.spare || liveWorkers(this.#all) > this.#options.minWorkers;
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
    if (worker.spare) this.#dropSpare(worker);
    this.#all.splice(this.#all.indexOf(worker), 1);
  }

  /**
   * Replaces a worker stopped for an abort at once, not once it has exited: a stopping worker runs nothing
   * and does not count towards maxWorkers (see liveWorkers). A spare started at an earlier such stop becomes
   * the replacement: a ready one if there is one, else the one started first, the nearest to ready. Then
   * spares start again, as many as {@link sparesWanted} says, so that a pool whose tasks are often stopped
   * does not wait for a start each time, even when stops come faster than a start. A spare is a worker more
   * than maxWorkers, taking no work until it replaces one, and stops when idle for idleTimeout, as any
   * worker does.
   */
  #replace(): void {
    const spares = this.#spares;
    let at = spares.findIndex((w) => w.state === WorkerState.READY);
    const ready = at >= 0;
    if (!ready) at = spares.findIndex((w) => !w.stopping);
    const spare = at >= 0 ? spares.splice(at, 1)[0] : undefined;
    if (spare !== undefined) {
      spare.replaceStopped();
      if (this.#host.queued() > 0) spare.wanted();
    } else if (liveWorkers(this.#all) < this.#options.maxWorkers) {
      this.spawn(this.#host.queued() > 0);
    }
    const readyLeft = ready ? spares.reduce((n, w) => (w.state === WorkerState.READY ? n + 1 : n), 0) : 0;
    this.#sparesWanted = sparesWanted(this.#sparesWanted, spare === undefined ? undefined : ready, readyLeft, this.#options.maxWorkers);
    while (spares.length < this.#sparesWanted) {
      const next = this.spawn(false);
      next.keepAsSpare();
      spares.push(next);
    }
    this.#host.replaced();
  }

  /** `spare` is stopping or gone: it is a spare no more. */
  #dropSpare(spare: WorkerSlot): void {
    const at = this.#spares.indexOf(spare);
    if (at >= 0) this.#spares.splice(at, 1);
  }
}

/**
 * How many spares to keep started after a worker is stopped for an abort, `wanted` being the count so far (0
 * before the first such stop), `ready` whether the spare that replaced it was ready (undefined: there was
 * none) and `readyLeft` how many other spares are ready. Stops that come faster than a start (the spare taken
 * was still starting, or none was left) want one more, up to `maxWorkers`; a spare left ready beside the one
 * taken was not needed, so one fewer starts (at least one). Spares beyond the count are not stopped for it:
 * they replace the next stopped workers, or idle out.
 */
export function sparesWanted(wanted: number, ready: boolean | undefined, readyLeft: number, maxWorkers: number): number {
  if (wanted === 0) return 1;
  if (ready !== true) return Math.min(wanted + 1, Math.max(1, maxWorkers));
  return readyLeft > 0 ? Math.max(1, wanted - 1) : wanted;
}
