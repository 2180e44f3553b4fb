import { Deque } from '../internal/deque.js';
import { isThenable } from '../internal/validate.js';
import { claim, watch } from '../wire/claims.js';
import { StashWriter } from '../wire/result-stash.js';
import { newStashShare, StashFileWriter, type StashShare } from '../wire/stash-file.js';
import {
  GUARDED,
  RESULT_ERROR,
  RESULT_OK,
  RESULT_RUNNING,
  RESULT_SKIPPED,
  RESULTS_HEADER,
  answersIn,
  RUN_HEADER,
  type AbortTaskMessage,
  type ChunkResult,
  type FromWorker,
  type ReportMessage,
  type ResultsMessage,
  type RunMessage,
  type UncaughtErrors,
  type WorkerInit,
  fnIdOf,
  seqAt,
} from '../wire/protocol.js';
import { taskEnded, taskStarted } from '../tasks/import-guard.js';
import { explainSourceError, loadTask } from '../tasks/load-task.js';
import type { TaskDescriptor } from '../tasks/task.js';
import { fromWire, toWire, wireErrorProblem, type WireError } from '../tasks/wire-error.js';
import { TaskFrames } from './task-context.js';
import { chunkNeedsReviver, loadReviver, needsReviver, reviveArgs } from './proxy-args.js';

type Fn = (...args: unknown[]) => unknown;

/**
 * Milliseconds on a monotonic clock, for the busy times a worker reports. Not performance.now(): its first
 * use loads node:perf_hooks into the worker, about 1 ms on the way to its first result.
 */
function clockMs(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1e3 + nanoseconds / 1e6;
}

/** Where a worker's runtime is; transitions are in #initialize, #suspend and #onUncaught. */
const RuntimeState = {
  /** Loading and running the initializer: batches wait in the inbox. */
  STARTING: 'starting',
  /** Running batches, or idle with an empty inbox. */
  READY: 'ready',
  /** Waiting for an async task to settle: batches wait in the inbox. */
  AWAITING: 'awaiting',
  /** Waiting for the module of the task at #index (or for the proxies' reviver it needs), which counts as begun. */
  LOADING: 'loading',
  /** In a guarded batch, waiting for the results posted so far to leave before the task at #index begins. */
  SENDING: 'sending',
  /** Reported a fatal error: runs nothing more, posts nothing more, and is about to exit. */
  DEAD: 'dead',
} as const;
type RuntimeState = (typeof RuntimeState)[keyof typeof RuntimeState];
/** Posts a message to the engine; `sent` runs once it has left (a process's IPC send is asynchronous). */
type Post = (message: FromWorker, sent?: () => void) => void;

interface LoadedTask {
  readonly descriptor: TaskDescriptor;
  fn: Fn | undefined;
  loading: Promise<void> | undefined;
  loadError: unknown;
}

/**
 * What runs inside a worker, thread or process alike: runs the initializer, then each batch's tasks one
 * after another in the order sent, and answers each batch with one message of results in the same order.
 *
 * Sync tasks run in a plain loop with no `await` between them; the runner only leaves the loop to wait for
 * an async task or for a task module to load, and sends the results gathered so far before it waits, so a
 * finished result is never held back behind a slow one. In a guarded batch (one holding a task the engine
 * may stop while it runs, see GUARDED), the results gathered are made safe before each task: stashed in
 * shared memory by a thread, appended to its stash file with a mark of the task it begins by a process (see
 * stash-file.ts), or, where neither can take them, sent, and their send awaited.
 *
 * An error raised outside any task's call (a timer's or a callback's exception, a promise rejected with no
 * handler) is reported to the engine with {@link UncaughtMessage}. Under the default policy `'exit'` it
 * stays fatal, as in any Node program: the report is the worker's last word and it exits with code 1.
 */
export class WorkerRuntime {
  readonly #post: Post;
  readonly #tasks = new Map<number, LoadedTask>();
  readonly #inbox = new Deque<RunMessage>();
  #state: RuntimeState = RuntimeState.STARTING;
  #batch: RunMessage | undefined = undefined;
  #index = 0;
  // Results gathered since the last reply, after the header: the busy time (filled in when sent), the token.
  #results: [...ResultsMessage];
  readonly #token: number;
  #groupStart = 0;
  /** Thread workers only: the seq of the next task to claim (see claims.ts); a process leaves it at its batch's first. */
  #seq = 0;
  readonly #claims: Int32Array | undefined;
  /** The number of the task after the last one received. */
  #received = 0;
  readonly #uncaughtErrors: UncaughtErrors;
  /** Thread workers only: where held results go before a task that may be stopped. */
  readonly #stash: StashWriter | undefined;
  /** Process workers only: the same, in a file (see stash-file.ts); dropped if a write to it fails. */
  #stashFile: StashFileWriter | undefined;
  /** Whether the batch running is guarded (see GUARDED). */
  #guarded = false;
  /** Whether results were posted that are not in the stash file and whose send has not completed. */
  #unfiled = false;
  /** Results posted so far: the seq of the first result held. */
  #posted = 0;
  /** Results held (in #results) that are in the stash too. */
  #stashed = 0;
  /** Messages of results posted whose send has not completed yet (a thread's completes at once). */
  #unsent = 0;
  /** Reports (progress, events) posted whose send has not completed yet (a thread's completes at once). */
  #reporting = 0;
  /** Called once #unsent and #reporting are back to 0, while SENDING. */
  #onAllSent: (() => void) | undefined = undefined;
  /** The task running, as `currentTask()` sees it. */
  readonly #frames: TaskFrames;
  /** Most async tasks run at once (see WorkerInit.concurrency). */
  readonly #concurrency: number;
  /** Async tasks running on in the background (answered RESULT_RUNNING, not settled yet). */
  #runningOn = 0;
  /** Their outcomes not sent yet: `[seq, status, value, ...]` (see LateResultsMessage). */
  #late: unknown[] = [];
  /** Resumes the runner, waiting (AWAITING) for one of the tasks running on to settle. */
  #onRoom: (() => void) | undefined = undefined;

  constructor(post: Post, init: WorkerInit) {
    this.#post = post;
    this.#claims = init.claims === undefined ? undefined : new Int32Array(init.claims);
    this.#stash = init.stash === undefined ? undefined : new StashWriter(init.stash);
    // Kept in memory when the child runs one task at a time (see stash-file.ts): with several at once, a task
    // running on is stopped without a mark (see ProcessStops.mayHaveBegun), so every mark must be written.
    if (init.stashFd !== undefined && (init.concurrency ?? 1) === 1) {
      const share = (this.stashShare = { buffer: newStashShare(), fd: init.stashFd });
      const file = (this.#stashFile = new StashFileWriter(init.stashFd, share.buffer));
      // What it holds is written before it exits (process.exit(), a fatal uncaught error).
      process.on('exit', () => {
        try {
          file.flush();
        } catch {
          // Nothing more can be done.
        }
      });
    } else this.#stashFile = init.stashFd === undefined ? undefined : new StashFileWriter(init.stashFd);
    this.#uncaughtErrors = init.uncaughtErrors;
    this.#token = init.token;
    this.#results = [0, init.token];
    this.#concurrency = init.concurrency ?? 1;
    const claims = this.#claims;
    this.#frames = new TaskFrames(init.worker ?? 0, this.#report, claims === undefined ? this.#fileWatched : (seq) => watch(claims, seq));
    process.on('uncaughtException', this.#onUncaught);
    void this.#initialize(init);
  }

  /** A process's stash file kept in memory, for its watchdog to write (see stash-file.ts). */
  readonly stashShare: StashShare | undefined = undefined;

  /**
   * `start` starts the watchdog that writes {@link stashShare}; called once the child has written enough of
   * its stash file itself for the watchdog's start to pay (see WRITES_BEFORE_WATCHDOG), if ever.
   */
  whenStashBusy(start: () => void): void {
    this.#stashFile?.whenBusy(start);
  }

  /** The watchdog that writes {@link stashShare} has ended: the runtime writes its stash file itself. */
  stashUnwatched(): void {
    try {
      this.#stashFile?.unwatched();
    } catch {
      // Its next write fails the same way, and it sends instead.
    }
  }

  /** Takes one message from the engine. */
  receive(message: RunMessage): void {
    const defs = message[1];
    if (defs !== 0) {
      for (const [id, descriptor] of defs) {
        this.#tasks.set(id, { descriptor, fn: undefined, loading: undefined, loadError: undefined });
      }
    }
    this.#inbox.push(message);
    this.#received = seqAt(message, message.length);
    if (this.#state === RuntimeState.READY) this.#run();
  }

  /**
   * Takes the engine's request to abort a task's signal (see AbortTaskMessage). A malformed one is ignored:
   * task code can post on the worker's channel too.
   */
  abortTask(message: AbortTaskMessage): void {
    const { seq, reason } = message;
    if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0 || wireErrorProblem(reason) !== undefined) return;
    this.#frames.abort(seq, fromWire(reason));
    // A process's task that waits for its module to load has not begun: it is answered now, not once its
    // module has loaded (which may take longer than the pool's grace), and never runs.
    const batch = this.#batch;
    if (this.#state === RuntimeState.LOADING && this.#claims === undefined && batch !== undefined && seq === seqAt(batch, this.#index) && this.#frames.abortedBeforeBegin(seq)) {
      if (this.#results.length === RESULTS_HEADER) this.#groupStart = clockMs();
      this.#index += 2;
      this.#results.push(RESULT_SKIPPED, undefined);
      this.#flush();
      // The load goes on, but for no task: the task now at #index has not begun (see #firstUnstarted).
      this.#state = RuntimeState.AWAITING;
    }
  }

  /** Posts a report of task `seq` (see TaskFrames); throws if the value cannot be cloned. */
  readonly #report = (seq: number, kind: 'progress' | 'event', value: unknown, item: number): void => {
    if (this.#state === RuntimeState.DEAD) return;
    const message: ReportMessage = item < 0 ? { type: 'report', token: this.#token, seq, kind, value } : { type: 'report', token: this.#token, seq, kind, value, item };
    this.#reporting++;
    try {
      this.#post(message, this.#reportSent);
    } catch (error) {
      this.#reporting--;
      throw error;
    }
  };

  readonly #reportSent = (): void => {
    if (--this.#reporting === 0 && this.#unsent === 0) this.#resumeSending();
  };

  readonly #onUncaught = (error: unknown, origin: NodeJS.UncaughtExceptionOrigin): void => {
    // A listener the task code added itself makes the error handled, as in any Node program.
    if (this.#state === RuntimeState.DEAD || process.listenerCount('uncaughtException') > 1) return;
    const fatal = this.#uncaughtErrors === 'exit';
    let wire: WireError;
    try {
      wire = toWire(error);
    } catch {
      wire = { error: false, value: 'an uncaught value that could not be described' };
    }
    if (fatal) {
      // What finished before the error is answered first; nothing runs or is answered after it.
      this.#flush();
      if (this.#late.length > 0) this.#sendLate();
      this.#state = RuntimeState.DEAD;
    }
    const exit = fatal ? () => process.exit(1) : undefined;
    try {
      this.#post({ type: 'uncaught', token: this.#token, error: wire, origin, fatal, unstarted: this.#firstUnstarted() }, exit);
    } catch {
      // No one to tell (the channel is gone): the exit still happens.
      exit?.();
    }
  };

  /** The number of the first task received and not begun; every later one is not begun either. */
  #firstUnstarted(): number {
    const batch = this.#batch ?? this.#inbox.peek();
    if (batch === undefined) return this.#received;
    if (batch !== this.#batch) return batch[0];
    return seqAt(batch, this.#index) + (this.#state === RuntimeState.LOADING ? 1 : 0);
  }

  async #initialize(init: WorkerInit): Promise<void> {
    if (init.initializer !== undefined) {
      try {
        const fn = (await loadTask(init.initializer)) as Fn;
        if (needsReviver(init.initargs)) await loadReviver();
        taskStarted();
        try {
          await fn(...reviveArgs(init.initargs));
        } finally {
          taskEnded();
        }
        // A task sent while the worker started waits here already: a turn first, so that what the initializer
        // left behind (a promise rejected with no handler) is reported before any task begins, as when the
        // first task came only after `ready`.
        await new Promise<void>((resolve) => setImmediate(resolve));
      } catch (error) {
        if (this.#state !== RuntimeState.DEAD) this.#post({ type: 'init-failed', token: this.#token, error: toWire(error) });
        return;
      }
    }
    // Died of an error the initializer left behind: the engine learns it from the exit before `ready`.
    if (this.#state === RuntimeState.DEAD) return;
    this.#state = RuntimeState.READY;
    this.#post({ type: 'ready', token: this.#token });
    this.#run();
  }

  #run(): void {
    if (this.#state === RuntimeState.DEAD) return;
    for (;;) {
      if (this.#batch === undefined) {
        const message = this.#inbox.shift();
        if (message === undefined) return;
        this.#batch = message;
        this.#index = RUN_HEADER;
        this.#seq = message[0];
      }
      const batch = this.#batch;
      const guarded = batch[2] === GUARDED;
      this.#guarded = guarded;
      while (this.#index < batch.length) {
        // A process's task aborted before it began (its future has failed): it never runs, as a thread's
        // revoked one (see TaskFrames.abort).
        if (this.#claims === undefined && this.#frames.abortedBeforeBegin(seqAt(batch, this.#index))) {
          if (this.#results.length === RESULTS_HEADER) this.#groupStart = clockMs();
          this.#index += 2;
          this.#results.push(RESULT_SKIPPED, undefined);
          continue;
        }
        // The engine may stop this task while it runs: what finished before it must be safe first, and the
        // reports of the tasks before it must have left (a process's send completes later).
        if (guarded && (!this.#stashHeld() || this.#reporting > 0)) {
          this.#flush();
          if (this.#unsent > 0 || this.#reporting > 0) {
            this.#waitsUnbegun(batch);
            this.#suspend(new Promise<void>((resolve) => (this.#onAllSent = resolve)), RuntimeState.SENDING);
            return;
          }
        }
        const code = batch[this.#index] as number;
        const args = batch[this.#index + 1] as unknown[];
        const task = this.#tasks.get(fnIdOf(code))!;
        if (task.fn === undefined && task.loadError === undefined) {
          if (guarded) this.#waitsUnbegun(batch);
          this.#suspend(this.#load(task), RuntimeState.LOADING);
          return;
        }
        if (code < 0 ? chunkNeedsReviver(args as unknown[][]) : needsReviver(args)) {
          this.#suspend(loadReviver(), RuntimeState.LOADING);
          return;
        }
        if (this.#results.length === RESULTS_HEADER) this.#groupStart = clockMs();
        const seq = seqAt(batch, this.#index);
        this.#index += 2;
        if (this.#claims !== undefined && !claim(this.#claims, this.#seq++)) {
          this.#results.push(RESULT_SKIPPED, undefined);
          continue;
        }
        if (task.fn === undefined) {
          this.#results.push(RESULT_ERROR, toWire(task.loadError));
          continue;
        }
        let value: unknown;
        const frames = this.#frames;
        // While a task runs (until it settles, for an async one), pools it starts are allowed.
        taskStarted();
        frames.begin(seq, code);
        try {
          value = code < 0 ? runChunk(task, args as unknown[][], frames, seq) : task.fn(...reviveArgs(args));
        } catch (error) {
          taskEnded();
          frames.end();
          this.#results.push(RESULT_ERROR, toWire(explain(task, error)));
          continue;
        }
        if (isThenable(value)) {
          if (this.#concurrency > 1) {
            // It goes on in the background, answered RESULT_RUNNING now and by a late answer once it settles.
            frames.park();
            this.#runOn(seq, task, value);
            this.#results.push(RESULT_RUNNING, undefined);
            if (this.#runningOn < this.#concurrency) continue;
            this.#suspend(new Promise<void>((resolve) => (this.#onRoom = resolve)));
            return;
          }
          frames.await();
          this.#suspend(
            Promise.resolve(value).then(
              (result) => {
                taskEnded();
                this.#settled(frames.end(), result);
              },
              (error: unknown) => {
                taskEnded();
                frames.end();
                this.#results.push(RESULT_ERROR, toWire(explain(task, error)));
              },
            ),
          );
          return;
        }
        taskEnded();
        this.#settled(frames.end(), value);
      }
      this.#batch = undefined;
      this.#flush();
    }
  }

  /** Task `seq` runs on in the background until `value` settles; its outcome goes in a late answer. */
  #runOn(seq: number, task: LoadedTask, value: PromiseLike<unknown>): void {
    this.#runningOn++;
    Promise.resolve(value).then(
      (result) => {
        taskEnded();
        const failure = this.#frames.endParked(seq);
        if (failure === undefined) this.#settledLate(seq, RESULT_OK, result);
        else this.#settledLate(seq, RESULT_ERROR, toWire(failure.error));
      },
      (error: unknown) => {
        taskEnded();
        this.#frames.endParked(seq);
        this.#settledLate(seq, RESULT_ERROR, toWire(explain(task, error)));
      },
    );
  }

  #settledLate(seq: number, status: number, value: unknown): void {
    this.#runningOn--;
    // Outcomes that settle in the same turn leave in one message.
    if (this.#late.length === 0) queueMicrotask(this.#sendLate);
    this.#late.push(seq, status, value);
    const resume = this.#onRoom;
    this.#onRoom = undefined;
    resume?.();
  }

  readonly #sendLate = (): void => {
    const late = this.#late;
    if (late.length === 0 || this.#state === RuntimeState.DEAD) return;
    this.#late = [];
    try {
      this.#postLate(late);
    } catch {
      // Something in it could not be cloned: each alone, so only the culprit fails.
      for (let i = 0; i < late.length; i += 3) {
        try {
          this.#postLate([late[i], late[i + 1], late[i + 2]]);
        } catch (error) {
          this.#postLate([late[i], RESULT_ERROR, unsendable(late[i + 1], error)]);
        }
      }
    }
  };

  /**
   * Posts late answers, counted in #unsent until the send completes, and not in the stash file: a guarded
   * task begins only once they have left (see #run), so that stopping it cannot lose them.
   */
  #postLate(results: unknown[]): void {
    this.#unsent++;
    try {
      this.#post({ type: 'late', token: this.#token, results }, this.#sent);
    } catch (error) {
      this.#unsent--;
      throw error;
    }
    if (this.#stashFile !== undefined) this.#unfiled = true;
  }

  /** A task returned `value`; `failure`, a report it made that could not be sent, fails it instead. */
  #settled(failure: { readonly error: unknown } | undefined, value: unknown): void {
    if (failure === undefined) this.#results.push(RESULT_OK, value);
    else this.#results.push(RESULT_ERROR, toWire(failure.error));
  }

  /**
   * Stops running batches until `until` settles: an async task's end (AWAITING), a module's load (LOADING)
   * or the send of the results posted (SENDING).
   */
  #suspend(until: Promise<void>, state: Exclude<RuntimeState, 'starting' | 'ready' | 'dead'> = RuntimeState.AWAITING): void {
    this.#flush();
    this.#state = state;
    void until.then(() => {
      // A worker that died meanwhile (an error raised outside any task) stays dead.
      if (this.#state === RuntimeState.DEAD) return;
      this.#state = RuntimeState.READY;
      this.#run();
    });
  }

  /**
   * Copies the results held and not stashed yet to the stash (a thread's); false if some did not go there,
   * so that they must be sent. The results held are those of the tasks just before task #seq, in order.
   */
  #stashHeld(): boolean {
    if (this.#stashFile !== undefined) return this.#fileHeld(true);
    const held = answersIn(this.#results);
    if (held === this.#stashed) return this.#unsent === 0;
    const stash = this.#stash;
    if (stash === undefined) return false;
    for (let k = this.#stashed; k < held; k++) {
      const at = RESULTS_HEADER + 2 * k;
      if (!stash.add(this.#seq - held + k, this.#results[at] as number, this.#results[at + 1])) return false;
      this.#stashed = k + 1;
    }
    return true;
  }

  /**
   * A process's #stashHeld: appends to the stash file, in one write, the results held and not in it yet and,
   * with `begins`, the mark that the task after them (`#posted + held`) is about to begin. False if it could
   * not (a result that cannot be serialized, a full file, or results posted and still leaving that are not in
   * the file): then what is held must be sent, and its send awaited, first.
   */
  #fileHeld(begins: boolean): boolean {
    const file = this.#stashFile!;
    // Everything posted has left: the file starts over (unless results held are in it already). Only with a
    // mark, so that the file never loses the mark of the task running.
    if (begins && this.#unsent === 0 && this.#stashed === 0) file.restart();
    else if (this.#unfiled) return false;
    const held = answersIn(this.#results);
    // Every task is answered once, in order: the results held are those of the tasks from #posted on.
    for (let k = this.#stashed; k < held; k++) {
      const at = RESULTS_HEADER + 2 * k;
      if (!file.add(this.#posted + k, this.#results[at] as number, this.#results[at + 1])) {
        file.discard();
        return false;
      }
    }
    if (begins && !file.begins(this.#posted + held)) {
      file.discard();
      return false;
    }
    try {
      file.write();
    } catch {
      // Cannot write (the disk is full, say): from now on it sends, as without a file.
      this.#stashFile = undefined;
      return false;
    }
    this.#stashed = held;
    return true;
  }

  /**
   * A process's task of a guarded batch read its signal: its stash file says so, so that the engine gives it
   * its grace when it must stop (one that never read it is killed at once, as a thread's).
   */
  readonly #fileWatched = (seq: number): void => {
    if (this.#guarded && this.#concurrency === 1) this.#stashFile?.watched(seq);
  };

  /**
   * The task at #index of a guarded batch waits (for its module, or for sends) before it begins, though its
   * stash file may mark it as begun: it can still answer an abort (it is skipped), so its file says it may
   * stop when asked, and the engine gives it its grace rather than killing its child at once.
   */
  #waitsUnbegun(batch: RunMessage): void {
    this.#fileWatched(seqAt(batch, this.#index));
  }

  #load(task: LoadedTask): Promise<void> {
    task.loading ??= loadTask(task.descriptor).then(
      (fn) => {
        task.fn = fn as Fn;
      },
      (error: unknown) => {
        task.loadError = error ?? new Error(`task "${task.descriptor.name}" failed to load`);
      },
    );
    return task.loading;
  }

  #flush(): void {
    const results = this.#results;
    if (results.length === RESULTS_HEADER || this.#state === RuntimeState.DEAD) return;
    // In a guarded batch a process files what it sends too, so that its next guarded task need not wait for
    // the send to complete: a stop before then loses nothing.
    if (this.#stashFile !== undefined && this.#stashed < answersIn(results) && !(this.#guarded && this.#fileHeld(false))) {
      this.#unfiled = true;
    }
    this.#results = [0, this.#token];
    this.#posted += answersIn(results);
    const now = clockMs();
    results[0] = now - this.#groupStart;
    // Time from here on belongs to the next reply (an async task resumed after this flush, say).
    this.#groupStart = now;
    try {
      this.#postResults(results);
    } catch {
      this.#postOneByOne(results);
    }
    // Only once sent: a stop in between leaves results the engine has had already, never a gap.
    this.#stash?.clear();
    this.#stashed = 0;
  }

  /** Posts a message of results, counting it in #unsent until its send completes. */
  #postResults(results: ResultsMessage): void {
    this.#unsent++;
    try {
      this.#post(results, this.#sent);
    } catch (error) {
      this.#unsent--;
      throw error;
    }
  }

  readonly #sent = (): void => {
    if (--this.#unsent > 0) return;
    this.#unfiled = false;
    if (this.#reporting === 0) this.#resumeSending();
  };

  #resumeSending(): void {
    if (this.#onAllSent === undefined) return;
    const resume = this.#onAllSent;
    this.#onAllSent = undefined;
    resume();
  }

  // Something in the batch could not be cloned: send each result alone so only the culprit fails.
  #postOneByOne(results: ResultsMessage): void {
    for (let i = RESULTS_HEADER; i < results.length; i += 2) {
      const busy = i === RESULTS_HEADER ? results[0] : 0;
      try {
        this.#postResults([busy, this.#token, results[i], results[i + 1]]);
      } catch (error) {
        this.#postResults([busy, this.#token, RESULT_ERROR, unsendable(results[i], error)]);
      }
    }
  }
}

/** The error, as a WireError, of a task whose outcome (of `status`) could not be cloned to be sent back. */
function unsendable(status: unknown, error: unknown): WireError {
  const what = status === RESULT_OK ? 'result' : 'error';
  return toWire(new TypeError(`the task's ${what} could not be sent back from the worker: ${(error as Error).message}`));
}

function explain(task: LoadedTask, error: unknown): unknown {
  return task.descriptor.kind === 'source' ? explainSourceError(error, task.descriptor.name) : error;
}

/** Runs a task (number `seq`) over a chunk of argument lists, stopping at the first error, and times it. */
function runChunk(task: LoadedTask, items: unknown[][], frames: TaskFrames, seq: number): ChunkResult | Promise<ChunkResult> {
  const start = clockMs();
  const fn = task.fn!;
  const values: unknown[] = [];
  for (let i = 0; i < items.length; i++) {
    let value: unknown;
    frames.item = i;
    try {
      value = fn(...reviveArgs(items[i]!));
    } catch (error) {
      return { values, error: toWire(explain(task, error)), ms: clockMs() - start };
    }
    if (isThenable(value)) return finishChunkAsync(task, items, i, value, values, start, frames, seq);
    values.push(value);
  }
  return { values, ms: clockMs() - start };
}

async function finishChunkAsync(
  task: LoadedTask,
  items: unknown[][],
  from: number,
  first: PromiseLike<unknown>,
  values: unknown[],
  start: number,
  frames: TaskFrames,
  seq: number,
): Promise<ChunkResult> {
  try {
    frames.await();
    values.push(await first);
    for (let i = from + 1; i < items.length; i++) {
      // Each item's call runs its synchronous part as the current task, as the first one did; a chunk that
      // runs on in the background (see TaskFrames.park) is that task again for the call.
      const parked = frames.parked(seq);
      if (parked) frames.unpark(seq, i);
      else frames.resume(i);
      let value: unknown;
      try {
        value = task.fn!(...reviveArgs(items[i]!));
      } finally {
        if (parked) frames.repark();
        else frames.await();
      }
      values.push(await value);
    }
  } catch (error) {
    return { values, error: toWire(explain(task, error)), ms: clockMs() - start };
  }
  return { values, ms: clockMs() - start };
}
