import { TimeoutError } from '../futures/errors.js';
import { after, MAX_DELAY, type Delay } from '../internal/timers.js';

/**
 * What a StopHook is attached to: a task, whose `stop` names its hook while it is armed, and which is a link
 * of that hook's list meanwhile.
 */
export interface Stoppable {
  stop: StopHook | undefined;
  /** The task armed just before it in its hook and still armed (see StopHook.oldest). */
  stopPrev: Stoppable | undefined;
  /** The task armed just after it in its hook and still armed. */
  stopNext: Stoppable | undefined;
  /** Its run in its hook (see StopHook.firsts): twice the run's number, plus 1 for the task that began the run. */
  stopRun: number;
}

/**
 * What stops a group of abortable tasks submitted with the same signal, timeout and BACKGROUND flag: one
 * timer for the whole group, and one place under the signal. Its armed tasks form a list in submission
 * order, linked through the tasks themselves, from which a task leaves at once when disarmed. (An array of
 * the tasks, in which a settled one stayed as a dead entry until the head passed it or a compaction, cost a
 * burst of signalled tasks about 15% of its throughput: a large array that holds young objects makes every
 * scavenge of the burst do more work. A link per task costs no allocation.)
 *
 * With a timeout, the tasks whose deadlines fall within one whole millisecond form a run that shares it,
 * rounded up: a task keeps the number of its run, and the hook a deadline per run, not one per task; a burst
 * of thousands of tasks holds a few dozen runs. The first task of a run keeps its exact deadline, so a task
 * alone in its run (a short timeout on a task now and then) times out when a timer of its own would; the
 * others of a run time out at its rounded deadline, at most a millisecond late, never sooner. (Every task at
 * the rounded deadline made each such timer wait a millisecond more: 1 in 10 tasks stopped by a 5 ms timeout
 * ran 12% slower.) What is left per timed task is the clock read, about 40 ns on Node 20.
 */
export class StopHook {
  /** The oldest task armed here and not disarmed since; the others follow it through `stopNext`. */
  oldest: Stoppable | undefined = undefined;
  /** The newest armed task, the end of the list. */
  newest: Stoppable | undefined = undefined;
  /**
   * `firsts[j - runBase]` is the exact deadline of run `j`'s first task (performance.now() ms), which the
   * timer is armed for while that task is the oldest one: it times out when a timer of its own would. The
   * run's own deadline, for its other tasks, is that rounded up (see {@link runDeadline}). Empty without a
   * timeout; the runs before the oldest task's are dropped from time to time (see {@link dropRunsBefore}),
   * and those no armed task is in when they outnumber the tasks (see {@link renumberRuns}).
   */
  firsts: number[] = [];
  /** The number of the run `firsts[0]` is for. */
  runBase = 0;
  /** The runs before this one are past: their deadline has come (see StopHooks.#timedOut); none is joined. */
  due = 0;
  /** Tasks armed here. At 0 the hook is retired: no timer, out of the signal's set. */
  live = 0;
  timer: Delay | ReturnType<typeof setTimeout> | undefined = undefined;
  /**
   * The deadline the timer was armed for: the tasks due by then are when it fires, whatever the clock says
   * (the task it was armed for by its exact deadline, or the tasks of its run).
   */
  armedFor = 0;

  constructor(
    readonly signal: AbortSignal | undefined,
    /** Milliseconds, for the TimeoutError's message; Infinity without a timeout. */
    readonly timeout: number,
    /** The tasks do not keep the program alive while they run (see `BACKGROUND`). */
    readonly background: boolean,
  ) {}
}

/** Over this many past runs, and more than half of those kept, the runs before the oldest task's are dropped. */
const DROP_RUNS_ABOVE = 256;

/**
 * At this many runs begun (a millisecond each at most: 6.2 days of a hook that never empties), a hook numbers
 * its runs again from 0 (see {@link renumberRuns}): `stopRun`, twice a run's number, stays a small integer,
 * which `>> 1` reads right (at 2^31 it would read a negative run, and every task would be past its deadline).
 */
const MAX_RUNS = 2 ** 29;

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
    const newest = hook.newest;
    task.stopPrev = newest;
    task.stopNext = undefined;
    if (newest === undefined) hook.oldest = task;
    else newest.stopNext = task;
    hook.newest = task;
    if (ms !== Infinity) {
      // The clock is read once per task, and only for tasks with a timeout; a new run begins only when the
      // deadline, rounded up, is not the last run's (see StopHook).
      const now = performance.now();
      const { firsts } = hook;
      const runs = hook.runBase + firsts.length;
      // (A past run is never joined: its tasks are stopped already.)
      if (runs <= hook.due || Math.ceil(firsts[firsts.length - 1]!) !== Math.ceil(now + ms)) {
        firsts.push(now + ms);
        task.stopRun = 2 * runs + 1;
        // Behind an oldest task that stays armed (one that hangs, with a long timeout), the runs would pile up
        // a millisecond each: they are kept to those of armed tasks, a walk of the list paid for by as many new
        // runs as it keeps, and more.
        if (runs >= MAX_RUNS || firsts.length > 2 * (DROP_RUNS_ABOVE + hook.live)) renumberRuns(hook);
      } else task.stopRun = 2 * (runs - 1);
      if (hook.timer === undefined) this.#arm(hook, now);
    }
    return hook;
  }

  /** Takes `task` out of its hook; the hook's timer and listener go with its last task. */
  disarm(task: Stoppable): void {
    const hook = task.stop;
    if (hook === undefined) return;
    task.stop = undefined;
    const { stopPrev: prev, stopNext: next } = task;
    task.stopPrev = task.stopNext = undefined;
    if (--hook.live === 0) return this.#retire(hook);
    if (next === undefined) hook.newest = prev;
    else next.stopPrev = prev;
    if (prev !== undefined) prev.stopNext = next;
    else {
      hook.oldest = next;
      // Tasks mostly settle in the order they were submitted: the runs of a long-lived hook are dropped as
      // its oldest task moves past them.
      if (hook.firsts.length > 0) dropRunsBefore(hook, next!.stopRun >> 1);
    }
  }

  /**
   * Arms `hook`'s timer for the deadline of its oldest task, `now` being performance.now(): its exact one if
   * it began its run, else its run's.
   */
  #arm(hook: StopHook, now: number): void {
    const oldest = hook.oldest!;
    const first = (oldest.stopRun & 1) === 1;
    const run = oldest.stopRun >> 1;
    const deadline = first ? hook.firsts[run - hook.runBase]! : runDeadline(hook, run);
    hook.armedFor = deadline;
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
    // The runs whose deadline has come are past: every task of one is due.
    const runs = hook.runBase + hook.firsts.length;
    let run = Math.max(hook.due, hook.runBase);
    while (run < runs && runDeadline(hook, run) <= due) run++;
    hook.due = run;
    const stopped: Stoppable[] = [];
    let task = hook.oldest;
    for (; task !== undefined && task.stopRun >> 1 < run; task = task.stopNext) stopped.push(task);
    // The oldest task left, if it began its run, is due at its exact deadline: the task the timer was armed
    // for, or one whose deadline came while the timer waited for the run before it (not a timer's delay
    // later). The rest of its run waits for the run's deadline, and a later run's first task is not due yet.
    if (task !== undefined && (task.stopRun & 1) === 1 && hook.firsts[(task.stopRun >> 1) - hook.runBase]! <= due) {
      stopped.push(task);
      task = task.stopNext;
    }
    // They leave the list at once: the hook is whole again before any of them is stopped.
    for (const each of stopped) each.stop = each.stopPrev = each.stopNext = undefined;
    hook.live -= stopped.length;
    if (hook.live === 0) this.#retire(hook);
    else {
      task!.stopPrev = undefined;
      hook.oldest = task;
      dropRunsBefore(hook, task!.stopRun >> 1);
      this.#arm(hook, now);
    }
    for (const each of stopped) this.#stop(each, new TimeoutError(`the task timed out after ${hook.timeout} ms`));
  };

  /** No task points to `hook` any more: its timer and its place under its signal go. */
  #retire(hook: StopHook): void {
    const { timer, signal } = hook;
    if (timer !== undefined) {
      if (isDelay(timer)) timer.clear();
      else clearTimeout(timer);
      hook.timer = undefined;
    }
    // Whatever is still linked is no longer armed here (see #timedOut, #onAbort). The hook itself is dropped:
    // no task and no signal holds it, and the next task armed gets a new one.
    hook.oldest = hook.newest = undefined;
    if (this.#last === hook) this.#last = undefined;
    if (signal === undefined) return;
    const hooks = this.#bySignal.get(signal);
    if (hooks === undefined || !hooks.delete(hook) || hooks.size > 0) return;
    this.#bySignal.delete(signal);
    signal.removeEventListener('abort', this.#onAbort);
  }

  readonly #onAbort = (event: Event): void => {
    const signal = event.target as AbortSignal;
    // An 'abort' event dispatched by hand on a signal that has not aborted stops nothing (it has no reason).
    if (!signal.aborted) return;
    signal.removeEventListener('abort', this.#onAbort);
    const hooks = this.#bySignal.get(signal);
    this.#bySignal.delete(signal);
    if (hooks === undefined) return;
    const stopped: Stoppable[] = [];
    for (const hook of hooks) for (let task = hook.oldest; task !== undefined; task = task.stopNext) stopped.push(task);
    for (const task of stopped) {
      this.disarm(task);
      this.#stop(task, signal.reason);
    }
  };
}

/** When the tasks of run `j` of `hook` time out: its first task's exact deadline, rounded up to a whole ms. */
function runDeadline(hook: StopHook, j: number): number {
  return Math.ceil(hook.firsts[j - hook.runBase]!);
}

/** Drops the deadlines of `hook`'s runs before run `j` (its oldest task's) once they are many. */
function dropRunsBefore(hook: StopHook, j: number): void {
  const past = j - hook.runBase;
  if (past <= DROP_RUNS_ABOVE || 2 * past <= hook.firsts.length) return;
  hook.firsts.splice(0, past);
  hook.runBase = j;
}

/**
 * Numbers `hook`'s runs again from 0, keeping those its armed tasks are in, each with its deadline and the mark
 * of the task that began it. The newest task has just begun the last run. None kept is past: a fire stops
 * every task of the runs it makes past (see StopHooks.#timedOut).
 */
function renumberRuns(hook: StopHook): void {
  const old = hook.firsts;
  const firsts: number[] = [];
  let last = -1;
  for (let task = hook.oldest; task !== undefined; task = task.stopNext) {
    // (Not `>> 1`: a run's number may be past what an int32 holds here.)
    const run = Math.floor(task.stopRun / 2);
    if (run !== last) {
      last = run;
      firsts.push(old[run - hook.runBase]!);
    }
    task.stopRun = 2 * (firsts.length - 1) + (task.stopRun % 2);
  }
  hook.firsts = firsts;
  hook.runBase = 0;
  hook.due = 0;
}

function isDelay(timer: Delay | ReturnType<typeof setTimeout>): timer is Delay {
  return typeof (timer as Partial<Delay>).clear === 'function';
}
