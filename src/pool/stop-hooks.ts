import { TimeoutError } from '../futures/errors.js';
import { after, MAX_DELAY, type Delay } from '../internal/timers.js';

/** What a StopHook is attached to: a task, whose `stop` names its hook while it is armed. */
export interface Stoppable {
  stop: StopHook | undefined;
}

/**
 * What stops a group of abortable tasks submitted with the same signal, timeout and BACKGROUND flag: one
 * timer for the whole group, over a FIFO of their deadlines, and one place under the signal. A task points to
 * its group's hook while armed (`task.stop`); it leaves the group when disarmed, lazily: an entry whose task
 * no longer points here is dead and is skipped.
 *
 * With a timeout, the tasks whose deadlines fall within one whole millisecond form a run that shares it,
 * rounded up: the deadlines are kept as runs of tasks, not one per task, and a burst of thousands of tasks
 * holds a few dozen runs. The first task of a run keeps its exact deadline, so a task alone in its run (a
 * short timeout on a task now and then) times out when a timer of its own would; the others of a run time
 * out at its rounded deadline, at most a millisecond late, never sooner. (Every task at the rounded deadline
 * made each such timer wait a millisecond more: 1 in 10 tasks stopped by a 5 ms timeout ran 12% slower.) A
 * number per task (an array of doubles, copied as it grew and at each compaction) made arming and settling a
 * timed task cost twice what a signalled one did, about 180 ns against 90 (StopHooks alone); what is left is
 * the clock read, about 40 ns on Node 20.
 */
export class StopHook {
  /** Tasks in submission order from {@link #head}; those whose `stop` is not this hook are dead entries. */
  tasks: (Stoppable | undefined)[] = [];
  head = 0;
  /**
   * Where each run of tasks with one deadline begins, as an index in {@link tasks}, in order: run `j` is
   * `tasks[starts[j]]` up to the next run's start. Empty without a timeout.
   */
  starts: number[] = [];
  /**
   * `firsts[j]` is the exact deadline of run `j`'s first task (performance.now() ms), which the timer is armed
   * for while that task is the oldest live one: it times out when a timer of its own would. The run's own
   * deadline, for its other tasks, is that rounded up (see {@link runDeadline}).
   */
  firsts: number[] = [];
  /** The run that holds `tasks[head]` (or one before it: see {@link runAtHead}). */
  run = 0;
  /** Tasks pointing here. At 0 the hook is retired: no timer, out of the signal's set. */
  live = 0;
  timer: Delay | ReturnType<typeof setTimeout> | undefined = undefined;
  /** The deadline the timer was armed for: the tasks of its run are due when it fires, whatever the clock says. */
  armedFor = 0;
  /** The task the timer was armed for by its exact deadline (see {@link firsts}): due when it fires. */
  armedTask: Stoppable | undefined = undefined;

  constructor(
    readonly signal: AbortSignal | undefined,
    /** Milliseconds, for the TimeoutError's message; Infinity without a timeout. */
    readonly timeout: number,
    /** The tasks do not keep the program alive while they run (see `BACKGROUND`). */
    readonly background: boolean,
  ) {}
}

/** Over this many dead entries, and more than there are live ones, a hook's FIFO is compacted. */
const COMPACT_ABOVE = 256;

/**
 * The timeouts and signals that stop tasks. A burst where every task has a safety timeout or shares one
 * signal must cost little more than one without, so tasks armed one after the other with the same signal,
 * timeout and BACKGROUND flag share one {@link StopHook}: a timeout is one timer per hook, re-armed for the
 * oldest deadline still pending (tasks with one timeout have deadlines in submission order), and a signal
 * gets one listener however many tasks it stops (listeners of one AbortSignal are a list that every add and
 * remove walks). A task times out once `performance.now()` has reached its deadline (when it was armed plus
 * its timeout, rounded up to a whole millisecond), or with the run of tasks its timer was set for (those are
 * due when the timer fires, as with a timer of their own, even under a faked setTimeout); a later one never
 * sooner. No timer is left once no task it could stop is pending, so the
 * program lives no longer than with one timer per task; a hook of BACKGROUND tasks leaves it unreferenced.
 */
export class StopHooks {
  readonly #stop: (task: Stoppable, reason: unknown) => void;
  /** The hooks each signal stops, while it has any. */
  readonly #bySignal = new Map<AbortSignal, Set<StopHook>>();
  /** The hook of the last task armed: the next one with the same options joins it. */
  #last: StopHook | undefined = undefined;

  /** `stop` is called once for a task whose timeout fires or whose signal aborts, already disarmed. */
  constructor(stop: (task: Stoppable, reason: unknown) => void) {
    this.#stop = stop;
  }

  /** Starts `task`'s timeout and listens to its signal (not aborted yet); sets `task.stop`. */
  arm(task: Stoppable, signal: AbortSignal | undefined, timeout: number | undefined, background: boolean): StopHook {
    const ms = timeout ?? Infinity;
    let hook = this.#last;
    if (hook === undefined || hook.live === 0 || hook.signal !== signal || hook.timeout !== ms || hook.background !== background) {
      hook = this.#last = new StopHook(signal, ms, background);
      if (signal !== undefined) {
        const hooks = this.#bySignal.get(signal);
        if (hooks !== undefined) hooks.add(hook);
        else {
          this.#bySignal.set(signal, new Set([hook]));
          signal.addEventListener('abort', this.#onAbort);
        }
      }
    }
    task.stop = hook;
    hook.live++;
    const at = hook.tasks.push(task) - 1;
    if (ms !== Infinity) {
      // The clock is read once per task, and only for tasks with a timeout; a new run begins only when the
      // deadline, rounded up, is not the last run's (see StopHook).
      const now = performance.now();
      const { firsts } = hook;
      // (A run its timer has passed is never joined: its tasks are stopped already.)
      if (firsts.length <= hook.run || runDeadline(hook, firsts.length - 1) !== Math.ceil(now + ms)) {
        firsts.push(now + ms);
        hook.starts.push(at);
      }
      if (hook.timer === undefined) this.#arm(hook, now);
    }
    return hook;
  }

  /** Takes `task` out of its hook; the hook's timer and listener go with its last task. */
  disarm(task: Stoppable): void {
    const hook = task.stop;
    if (hook === undefined) return;
    task.stop = undefined;
    if (--hook.live === 0) return this.#retire(hook);
    // Tasks mostly settle in the order they were submitted: drop the dead entries at the head now, and
    // compact when many die behind a live one.
    skipDead(hook);
    const { tasks } = hook;
    if (tasks.length - hook.head - hook.live > COMPACT_ABOVE && tasks.length - hook.head > 2 * hook.live) compact(hook);
  }

  /**
   * Arms `hook`'s timer for the deadline of its oldest live task, `now` being performance.now(): its exact
   * one if it is the first of its run, else its run's.
   */
  #arm(hook: StopHook, now: number): void {
    const run = runAtHead(hook);
    const first = hook.starts[run] === hook.head;
    const deadline = first ? hook.firsts[run]! : runDeadline(hook, run);
    hook.armedFor = deadline;
    hook.armedTask = first ? hook.tasks[hook.head] : undefined;
    // A delay setTimeout cannot wait goes in steps (see after()); the global is looked up now, so that fake
    // clocks in tests control it. Rounded up: a timer never fires before its delay has passed.
    const delay = Math.max(1, Math.ceil(deadline - now));
    hook.timer = delay > MAX_DELAY ? after(delay, () => this.#timedOut(hook)) : setTimeout(this.#timedOut, delay, hook);
    if (hook.background) hook.timer.unref();
  }

  /** The timer went off: stops every task whose deadline has come, and arms the timer for the next one. */
  readonly #timedOut = (hook: StopHook): void => {
    hook.timer = undefined;
    const now = performance.now();
    // The task the timer was armed for is due even if the clock disagrees (a faked setTimeout alone).
    const due = Math.max(now, hook.armedFor);
    const { tasks, starts } = hook;
    // The runs whose deadline has come: every task before the first run still to come is due.
    let run = runAtHead(hook);
    while (run < starts.length && runDeadline(hook, run) <= due) run++;
    hook.run = run;
    let end = run < starts.length ? starts[run]! : tasks.length;
    // The task the timer was armed for, still the oldest live one, is due too; the rest of its run waits for
    // the run's deadline.
    const armed = hook.armedTask;
    hook.armedTask = undefined;
    if (end <= hook.head && armed !== undefined && armed.stop === hook && tasks[hook.head] === armed) end = hook.head + 1;
    const stopped: Stoppable[] = [];
    for (; hook.head < end; hook.head++) {
      const task = tasks[hook.head]!;
      tasks[hook.head] = undefined;
      if (task.stop === hook) stopped.push(task);
    }
    // They left the FIFO above: the hook is whole again before any of them is stopped.
    for (const task of stopped) task.stop = undefined;
    hook.live -= stopped.length;
    if (hook.live === 0) this.#retire(hook);
    else {
      skipDead(hook);
      this.#arm(hook, now);
    }
    for (const task of stopped) this.#stop(task, new TimeoutError(`the task timed out after ${hook.timeout} ms`));
  };

  /** No task points to `hook` any more: its timer and its place under its signal go. */
  #retire(hook: StopHook): void {
    const { timer, signal } = hook;
    if (timer !== undefined) {
      if (isDelay(timer)) timer.clear();
      else clearTimeout(timer);
      hook.timer = undefined;
    }
    hook.tasks = [];
    hook.starts = [];
    hook.firsts = [];
    hook.armedTask = undefined;
    hook.head = 0;
    hook.run = 0;
    if (this.#last === hook) this.#last = undefined;
    if (signal === undefined) return;
    const hooks = this.#bySignal.get(signal);
    if (hooks === undefined || !hooks.delete(hook) || hooks.size > 0) return;
    this.#bySignal.delete(signal);
    signal.removeEventListener('abort', this.#onAbort);
  }

  readonly #onAbort = (event: Event): void => {
    const signal = event.target as AbortSignal;
    signal.removeEventListener('abort', this.#onAbort);
    const hooks = this.#bySignal.get(signal);
    this.#bySignal.delete(signal);
    if (hooks === undefined) return;
    const stopped: Stoppable[] = [];
    for (const hook of hooks) {
      for (let i = hook.head; i < hook.tasks.length; i++) {
        const task = hook.tasks[i];
        if (task?.stop === hook) stopped.push(task);
      }
    }
    for (const task of stopped) {
      this.disarm(task);
      this.#stop(task, signal.reason);
    }
  };
}

/** Drops the dead entries at the head of `hook`'s FIFO, which holds a live one. */
function skipDead(hook: StopHook): void {
  const { tasks } = hook;
  while (hook.head < tasks.length && tasks[hook.head]?.stop !== hook) tasks[hook.head++] = undefined;
}

/**
 * The run that holds `hook.tasks[hook.head]`, which is then `hook.run`: the head only moves forward (and
 * {@link compact} starts the runs again), so this walks each run once.
 */
function runAtHead(hook: StopHook): number {
  const { starts, head } = hook;
  let run = hook.run;
  while (run + 1 < starts.length && starts[run + 1]! <= head) run++;
  return (hook.run = run);
}

/** When the tasks of run `j` of `hook` time out: its first task's exact deadline, rounded up to a whole ms. */
function runDeadline(hook: StopHook, j: number): number {
  return Math.ceil(hook.firsts[j]!);
}

/** Drops the dead entries of `hook`'s FIFO, keeping the live ones in order, and their runs. */
function compact(hook: StopHook): void {
  const tasks: Stoppable[] = [];
  const starts: number[] = [];
  const firsts: number[] = [];
  const old = hook.starts;
  let run = runAtHead(hook);
  let added = -1;
  for (let i = hook.head; i < hook.tasks.length; i++) {
    const task = hook.tasks[i];
    if (task?.stop !== hook) continue;
    if (old.length > 0) {
      while (run + 1 < old.length && old[run + 1]! <= i) run++;
      if (run !== added) {
        added = run;
        // A run's exact deadline is its first task's: kept if that task begins the run still, else the
        // rounded one (never sooner).
        firsts.push(old[run] === i ? hook.firsts[run]! : runDeadline(hook, run));
        starts.push(tasks.length);
      }
    }
    tasks.push(task);
  }
  hook.tasks = tasks;
  hook.starts = starts;
  hook.firsts = firsts;
  hook.head = 0;
  hook.run = 0;
}

function isDelay(timer: Delay | ReturnType<typeof setTimeout>): timer is Delay {
  return typeof (timer as Partial<Delay>).clear === 'function';
}
