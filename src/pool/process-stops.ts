import { after, type Delay } from '../internal/timers.js';
import { readStashFile } from '../wire/stash-file.js';

/**
 * How often, in milliseconds, the engine looks at a process's stash file while an aborted task it sent there
 * waits for the child to reach it (see {@link ProcessStops.aborted}).
 */
export const WATCH_MS = 2;

/**
 * A process worker's side of stopping its tasks, owned by its WorkerSlot. A child shares no memory with the
 * engine: nothing it was sent can be taken back, and only its answers and its stash file (see stash-file.ts)
 * say which task it runs. So a batch holding a task that may be stopped is guarded (see GUARDED), and so is
 * every batch sent behind it; the seqs of tasks aborted while unanswered are kept until the child finishes
 * them by itself or may be running one (then it must be killed); and once the child is gone, its file holds
 * the results it had not sent and the last task it began, or says it cannot tell (it died before it wrote
 * what it kept in memory, see stash-file.ts). Seqs are the slot's; `answered()` is how many of
 * its tasks the slot has had answered, which is also the seq of its first unanswered task.
 */
export class ProcessStops {
  readonly #answered: () => number;
  readonly #stopping: () => boolean;
  /** The descriptor of the child's stash file, if it has one (see {@link attach}). */
  #fd: number | undefined = undefined;
  /**
   * The seqs, ascending, of tasks stopped (aborted) while unanswered. The child is killed once the oldest is
   * its first unanswered task; an answer to one means it finished by itself.
   */
  readonly #stops: number[] = [];
  /** Every batch sent before this seq is answered is guarded too (see GUARDED). */
  #guardedUntil = 0;
  /**
   * Tasks running on in the background that may be stopped (a signal or a timeout). While there are some,
   * every batch sent is guarded, as behind a guarded batch not answered yet (see #guardedUntil).
   */
  #guardedRunningOn = 0;
  /** While stops wait for the child to reach their task, the timer that looks at the file again. */
  #watch: Delay | undefined = undefined;
  /** Once the child has exited: the last task its stash file marks as begun. */
  #begun: number | undefined = undefined;
  /** Once the child has exited: its stash file cannot tell what began (see StashFileContents.imprecise). */
  #imprecise = false;
  /** What {@link aborted} was last told to call once the child runs a stopped task. */
  #onRuns: ((seq: number) => void) | undefined = undefined;

  /** `answered`: see the class comment; `stopping`: whether the slot is stopping or gone. */
  constructor(answered: () => number, stopping: () => boolean) {
    this.#answered = answered;
    this.#stopping = stopping;
  }

  /** The child is started, with the stash file `fd` (undefined: it has none). */
  attach(fd: number | undefined): void {
    this.#fd = fd;
  }

  /** Whether a batch sent now is guarded whatever it holds: one behind a guarded batch, or a task that may be stopped runs on. */
  get guardsNext(): boolean {
    return this.#guardedUntil > this.#answered() || this.#guardedRunningOn > 0;
  }

  /** A guarded batch was sent: every batch sent until the tasks before seq `end` are answered is guarded too. */
  sentGuarded(end: number): void {
    this.#guardedUntil = end;
  }

  /** A task that may be stopped begins to run on in the background (`1`), or its late answer came (`-1`). */
  guardedRunningOn(change: 1 | -1): void {
    this.#guardedRunningOn += change;
  }

  /**
   * Whether task `seq`, running, may stop when asked (see WorkerSlot.mayCooperate): one its stash file shows
   * begun may only if the file also shows it has read its signal; without a file, the child cannot tell, so
   * it may.
   */
  mayCooperate(seq: number): boolean {
    if (this.#fd === undefined) return true;
    const { begun, watched } = readStashFile(this.#fd, false);
    return begun !== seq || watched === seq;
  }

  /**
   * Task `seq`, unanswered, was aborted: the seq of the stopped task the child runs now, if it must be killed
   * for it, else -1. It must once `seq` is its first unanswered task (`first`), or its stash file marks it as
   * begun: now, or when the answers before it arrive (see {@link answered}), or when a look at the file finds
   * it begun (then `stop` is called with that task's seq; the file is read every {@link WATCH_MS} until then).
   */
  aborted(seq: number, first: boolean, stop: (seq: number) => void): number {
    let at = this.#stops.length;
    while (at > 0 && this.#stops[at - 1]! > seq) at--;
    this.#stops.splice(at, 0, seq);
    this.#onRuns = stop;
    // With a stash file, only its mark says the child runs `seq`: it may have finished it and begun the next
    // one before its answers arrive, and killing it then would fail that one. Without, the first unanswered
    // task is the one it runs (it sends each answer before it begins the next).
    if (this.#fd === undefined) return first ? seq : -1;
    // While a look is due anyway, the file is not read again: a signal shared by a burst aborts many at once.
    const runs = this.#watch === undefined ? this.#runsStop() : -1;
    if (runs < 0) this.#watchStops(stop);
    return runs;
  }

  /**
   * After answers: a stopped task answered finished by itself; returns the seq of the one the child now runs
   * (the oldest other one is its first unanswered task, or its stash file marks one as begun: it must be
   * killed for it), else -1.
   */
  answered(): number {
    const stops = this.#stops;
    if (stops.length === 0) return -1;
    const answered = this.#answered();
    let done = 0;
    while (done < stops.length && stops[done]! < answered) done++;
    stops.splice(0, done);
    if (this.#fd !== undefined) return this.#runsStop();
    return stops[0] === answered ? answered : -1;
  }

  /**
   * At the end of the grace of stopped task `seq`, unanswered, which its stash file marked as begun: whether
   * the child has gone on since, so that it must not be killed for it. A child ends a task, then begins the
   * next one of its batch holding the task's answer, which it sends only at the batch's end (see GUARDED): the
   * file then marks a later task, or starts over for one (kept in memory, it marks none yet). Killing the
   * child would fail the task it runs, and, with a file kept in memory, every task it held. If it runs
   * another stopped task, the file is looked at until it shows it (see {@link aborted}).
   */
  goneOn(seq: number): boolean {
    const fd = this.#fd;
    if (fd === undefined) return false;
    const { begun, imprecise } = readStashFile(fd, false);
    if (begun === seq || (begun === undefined && !imprecise)) return false;
    if (this.#onRuns !== undefined && this.#stops.some((stop) => stop !== seq)) this.#watchStops(this.#onRuns);
    return true;
  }

  /** Whether its stash file marks a task stopped here as the one it began last: that task's seq, else -1. */
  #runsStop(): number {
    const fd = this.#fd;
    if (fd === undefined || this.#stops.length === 0) return -1;
    const { begun } = readStashFile(fd, false);
    // A mark older than the answers is stale: the child runs a batch that is not guarded.
    return begun !== undefined && begun >= this.#answered() && this.#stops.includes(begun) ? begun : -1;
  }

  /** Looks at the stash file every WATCH_MS until the child begins a stopped task (then calls `stop`) or has none left. */
  #watchStops(stop: (seq: number) => void): void {
    if (this.#watch !== undefined || this.#fd === undefined) return;
    const look = (): void => {
      this.#watch = undefined;
      if (this.#stopping() || this.#stops.length === 0) return;
      const runs = this.#runsStop();
      if (runs >= 0) return stop(runs);
      this.#watch = after(WATCH_MS, look);
      this.#watch.unref();
    };
    this.#watch = after(WATCH_MS, look);
    this.#watch.unref();
  }

  /** The slot stops or has exited: no more looks at the file. */
  halt(): void {
    this.#watch?.clear();
  }

  /**
   * Once the child has exited: the results its stash file holds, `[seq, status, value]` each (those sent
   * already included); undefined without a file. However the child ended, its file is exact.
   */
  readStash(): [number, number, unknown][] | undefined {
    if (this.#fd === undefined) return undefined;
    const file = readStashFile(this.#fd, true);
    this.#begun = file.begun;
    this.#imprecise = file.imprecise;
    return file.results;
  }

  /**
   * Whether task `seq`, held when the child died without a last word, may have begun (see
   * WorkerSlot.mayHaveBegun): `stoppedForAbort`, the slot killed it for an aborted task,
   * `stoppedForRunningOn`, one that ran on in the background.
   */
  mayHaveBegun(seq: number, stoppedForAbort: boolean, stoppedForRunningOn: boolean): boolean {
    const answered = this.#answered();
    // Its stash file marks the last task it began; a mark older than the answers is stale (see #runsStop).
    // Every task after a marked one is in a guarded batch, so it would have been marked had it begun.
    const begun = this.#begun;
    if (begun !== undefined && begun >= answered) return seq <= begun;
    // It died before what it ran was written (killed from outside early in a task, say): any task may have begun.
    if (this.#imprecise) return true;
    // Stopped for a task running on, which was guarded: every batch sent since was guarded too (see
    // #guardedRunningOn), so its file would mark a task of them that had begun. None is marked: none began.
    if (stoppedForRunningOn && this.#fd !== undefined) return false;
    // Killed for a stopped task: every batch it held was guarded, so only its first unanswered task may have
    // begun (see GUARDED). Its exit is reported once its channel has closed, so every answer sent has arrived.
    return !stoppedForAbort || seq === answered;
  }
}
