import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { TimeoutError } from '../../src/futures/errors.js';
import { StopHooks, type StopHook, type Stoppable } from '../../src/pool/stop-hooks.js';
import { seeded } from '../soak/soak.js';

// StopHooks against a model, under a clock the test moves by fractions of a millisecond: random arms (mostly
// with the options of the task before, so that tasks share hooks), disarms in any order, aborts and clock
// moves; and the stop callback, as a future's done callback would, arms, disarms and aborts in turn. After
// every step the structure is checked whole, and every stop against the model: once, never for a task
// disarmed before, with its signal's reason or at its deadline (never sooner, at most a millisecond late).

interface Timer {
  at: number;
  fn: (...args: unknown[]) => void;
  args: unknown[];
}

/**
 * performance.now() and setTimeout / clearTimeout under the test's hand: `advanceTo(ms)` fires the timers due
 * by then in order of due time, each with the clock at its own time (as a real timer fires at its time, not
 * on a whole-millisecond tick), so the exact deadlines of tasks armed at fractional times are seen exactly.
 */
function handClock(): { now(): number; advanceTo(ms: number): void; pending(): number; restore(): void } {
  let now = 0;
  let ids = 0;
  const timers = new Map<number, Timer>();
  // Replaced by hand, not with t.mock.method, which records every call: the model makes millions.
  const saved = { now: performance.now, setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout };
  performance.now = () => now;
  globalThis.setTimeout = ((fn: (...args: unknown[]) => void, delay: number, ...args: unknown[]) => {
    const id = ++ids;
    // As Node: a delay under 1 ms (or over the longest it honours) is 1 ms.
    timers.set(id, { at: now + (delay >= 1 && delay <= 2 ** 31 - 1 ? delay : 1), fn, args });
    const handle = { id, unref: () => handle, ref: () => handle, hasRef: () => true };
    return handle;
  }) as unknown as typeof setTimeout;
  globalThis.clearTimeout = ((handle: { id: number } | undefined) => void timers.delete(handle?.id ?? -1)) as typeof clearTimeout;
  return {
    now: () => now,
    advanceTo(ms) {
      for (;;) {
        let next: [number, Timer] | undefined;
        for (const entry of timers) if (entry[1].at <= ms && (next === undefined || entry[1].at < next[1].at)) next = entry;
        if (next === undefined) break;
        timers.delete(next[0]);
        now = Math.max(now, next[1].at);
        next[1].fn(...next[1].args);
      }
      now = Math.max(now, ms);
    },
    pending: () => timers.size,
    restore() {
      performance.now = saved.now;
      globalThis.setTimeout = saved.setTimeout;
      globalThis.clearTimeout = saved.clearTimeout;
    },
  };
}

interface Armed {
  readonly task: Stoppable;
  readonly hook: StopHook;
  readonly signal: AbortSignal | undefined;
  /** Its exact deadline (performance.now() ms), Infinity without a timeout. */
  readonly deadline: number;
  readonly armedAt: number;
  /** It began its run: it times out at its exact deadline, as with a timer of its own. */
  readonly first: boolean;
}

/** Checks `hook` whole: its list both ways, its count, its runs, its timer; returns its tasks, oldest first. */
function checkHook(hook: StopHook): Stoppable[] {
  if (hook.live === 0) {
    assert.equal(hook.oldest, undefined, 'a retired hook holds no task');
    assert.equal(hook.newest, undefined);
    assert.equal(hook.timer, undefined, 'a retired hook has no timer');
    return [];
  }
  const tasks: Stoppable[] = [];
  let prev: Stoppable | undefined;
  // (Plain comparisons on the way: a step walks every armed task.)
  for (let task = hook.oldest; task !== undefined; task = task.stopNext) {
    if (task.stopPrev !== prev) assert.fail('each link points back to the one before it');
    if (task.stop !== hook) assert.fail('a task is linked in the hook its stop names');
    if (hook.timeout !== Infinity) {
      const run = task.stopRun >> 1;
      if (run < hook.due) assert.fail(`an armed task is in a run still to come (run ${run}, due ${hook.due})`);
      if (run < hook.runBase || run >= hook.runBase + hook.firsts.length) assert.fail('its run has a deadline kept');
      if (prev !== undefined && run < prev.stopRun >> 1) assert.fail('runs follow the list');
    }
    tasks.push((prev = task));
  }
  assert.equal(hook.newest, prev, 'newest is the end of the list');
  assert.equal(tasks.length, hook.live, 'live counts the list');
  assert.equal(hook.timer !== undefined, hook.timeout !== Infinity, 'a timer while a timed task is armed, none else');
  return tasks;
}

/** How a run of the model draws its steps. */
interface Profile {
  readonly timeouts: readonly (number | undefined)[];
  /** How often an arm takes new options rather than those of the task before (and so a new hook). */
  readonly change: number;
  /** The odds of each step: arm, disarm, abort, else a clock move. */
  readonly arm: number;
  readonly disarm: number;
  readonly abort: number;
  /** How often an arm is a burst of up to 20 tasks. */
  readonly burst: number;
  /** How often a stop callback acts in turn. */
  readonly reenter: number;
  /** The first task of each hook is never disarmed: it stays the oldest until its timeout. */
  readonly anchor: boolean;
  /** The longest clock move, in ms; and how often a move is a jump of up to 50 ms more. */
  readonly move: number;
  readonly jump: number;
  readonly steps: number;
}

/** Many short-lived hooks, of every kind, and many aborts. */
const SHORT: Profile = { timeouts: [undefined, 0, 2, 2.5, 7, 40], change: 0.2, arm: 0.45, disarm: 0.2, abort: 0.05, burst: 0.2, reenter: 0.3, anchor: false, move: 3, jump: 0.05, steps: 400 };
/**
 * One hook a seed, with some tens of tasks, that lives for thousands of runs: runs dropped as the oldest task
 * passes them, and renumbered behind one that stays.
 */
const LONG: Profile = { timeouts: [1500], change: 0, arm: 0.3, disarm: 0.3, abort: 0, burst: 0, reenter: 0, anchor: true, move: 1, jump: 0, steps: 12_000 };

interface Outcome {
  stops: number;
  lateStops: number;
  drops: number;
  renumbers: number;
}

function runModel(seed: number, profile: Profile): Outcome {
  const clock = handClock();
  try {
    return model(seed, profile, clock);
  } finally {
    clock.restore();
  }
}

function model(seed: number, profile: Profile, clock: ReturnType<typeof handClock>): Outcome {
  const random = seeded(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const controllers = [new AbortController(), new AbortController()];
  const allSignals = new Set<AbortSignal>(controllers.map((c) => c.signal));
  const armed = new Map<Stoppable, Armed>();
  const hooksSeen = new Set<StopHook>();
  /** Tasks disarmed during the step under way: a stop already decided for them may still come. */
  const leftThisStep = new Set<Stoppable>();
  const done = new Set<Stoppable>();
  const anchors = new Set<Stoppable>();
  let stopsSeen = 0;
  let lateStops = 0;
  let depth = 0;
  // How often runs were dropped behind the oldest task, or renumbered, as seen between steps.
  const shape = new WeakMap<StopHook, [number, number]>();
  let drops = 0;
  let renumbers = 0;
  let options: [number, number | undefined, boolean] = [Math.floor(random() * 3), pick(profile.timeouts), random() < 0.2];

  // A stop callback reached through a signal's abort event cannot throw to the test (EventTarget reports it
  // as uncaught): its first failure is kept and thrown after the step.
  let failure: unknown;
  const stops = new StopHooks((task, reason) => {
    try {
      stopped(task, reason);
    } catch (error) {
      failure ??= error;
    }
  });
  function stopped(task: Stoppable, reason: unknown): void {
    assert.equal(task.stop, undefined, 'a task is disarmed before it is stopped');
    assert.ok(task.stopPrev === undefined && task.stopNext === undefined, 'a stopped task holds no neighbour');
    assert.ok(!done.has(task), 'a task is stopped once');
    done.add(task);
    stopsSeen++;
    const entry = armed.get(task);
    if (entry === undefined) {
      assert.ok(leftThisStep.has(task), 'a task disarmed before is never stopped');
      lateStops++;
      return;
    }
    armed.delete(task);
    checkHook(entry.hook);
    const now = clock.now();
    if (reason instanceof TimeoutError) {
      assert.ok(now >= entry.deadline, `stopped at ${now}, before its deadline ${entry.deadline}`);
      assert.ok(now <= Math.ceil(entry.deadline) + 1, `stopped at ${now}, over a millisecond after its deadline ${entry.deadline}`);
      // A timer of its own would fire at its deadline, or a millisecond after it was set for a timeout under 1 ms.
      const own = Math.max(entry.deadline, entry.armedAt + 1);
      if (entry.first) assert.ok(now < own + 1, `stopped at ${now}, a millisecond after its own timer would, at ${own}`);
    } else {
      assert.ok(entry.signal?.aborted === true, 'a task is stopped by its own signal');
      assert.equal(reason, entry.signal.reason);
    }
    // The stopped task's done callback runs user code: more of the same, now and then.
    if (depth < 3 && random() < profile.reenter) {
      depth++;
      act(random() < 0.5 ? 'arm-same' : pick(['arm', 'disarm', 'abort'] as const), entry);
      depth--;
    }
  }

  function arm(like: Armed | undefined): void {
    if (like === undefined && random() < profile.change) {
      options = [Math.floor(random() * 3), pick(profile.timeouts), random() < 0.2];
    }
    const [which, timeout, background] = like === undefined ? options : [controllers.findIndex((c) => c.signal === like.signal), like.hook.timeout === Infinity ? undefined : like.hook.timeout, like.hook.background];
    let signal = which >= 0 && which < controllers.length ? controllers[which]!.signal : undefined;
    if (signal?.aborted) signal = undefined;
    if (signal === undefined && timeout === undefined && !background) return;
    const task: Stoppable = { stop: undefined, stopPrev: undefined, stopNext: undefined, stopRun: 0 };
    const hook = stops.arm(task, signal, timeout, background);
    hooksSeen.add(hook);
    if (profile.anchor && hook.live === 1) anchors.add(task);
    const now = clock.now();
    armed.set(task, { task, hook, signal, deadline: timeout === undefined ? Infinity : now + timeout, armedAt: now, first: (task.stopRun & 1) === 1 });
  }

  function act(what: 'arm' | 'arm-same' | 'disarm' | 'abort' | 'advance', like?: Armed): void {
    switch (what) {
      case 'arm':
      case 'arm-same':
        for (let n = random() < profile.burst ? 1 + Math.floor(random() * 20) : 1; n > 0; n--) arm(what === 'arm-same' ? like : undefined);
        break;
      case 'disarm': {
        const tasks = [...armed.keys()].filter((task) => !anchors.has(task));
        if (tasks.length === 0) break;
        const task = pick(tasks);
        armed.delete(task);
        leftThisStep.add(task);
        stops.disarm(task);
        assert.ok(task.stop === undefined && task.stopPrev === undefined && task.stopNext === undefined, 'a disarmed task holds no neighbour');
        break;
      }
      case 'abort': {
        const at = Math.floor(random() * controllers.length);
        const signal = controllers[at]!.signal;
        const before = [...armed.values()].filter((entry) => entry.signal === signal).map((entry) => entry.task);
        controllers[at]!.abort(new Error(`abort ${seed}`));
        // (From a timer's stop callback, the tasks that timer stops next are out of the list already: they time out.)
        if (depth === 0) for (const task of before) assert.ok(done.has(task) || leftThisStep.has(task), 'an abort stops every task of its signal');
        break;
      }
      case 'advance': {
        const to = clock.now() + profile.move * random() + (random() < profile.jump ? 50 * random() : 0);
        clock.advanceTo(to);
        for (const entry of armed.values()) assert.ok(to < Math.ceil(entry.deadline) + 1, `a task due at ${entry.deadline} is still armed at ${to}`);
        break;
      }
    }
  }

  for (let step = 0; step < profile.steps; step++) {
    leftThisStep.clear();
    for (let i = 0; i < controllers.length; i++) {
      if (!controllers[i]!.signal.aborted) continue;
      controllers[i] = new AbortController();
      allSignals.add(controllers[i]!.signal);
    }
    const r = random();
    act(r < profile.arm ? 'arm' : r < profile.arm + profile.disarm ? 'disarm' : r < profile.arm + profile.disarm + profile.abort ? 'abort' : 'advance');
    for (const hook of hooksSeen) {
      const tasks = checkHook(hook);
      for (const task of tasks) if (armed.get(task)?.hook !== hook) assert.fail('the model and the hooks agree');
      const [base, length] = shape.get(hook) ?? [0, 0];
      if (hook.live > 0 && hook.runBase > base) drops++;
      else if (hook.live > 0 && hook.runBase === 0 && hook.firsts.length < length) renumbers++;
      shape.set(hook, [hook.runBase, hook.firsts.length]);
      if (hook.live === 0) hooksSeen.delete(hook);
    }
    if (failure !== undefined) throw failure;
    for (const entry of armed.values()) assert.ok(entry.signal?.aborted !== true, 'no task of an aborted signal stays armed');
    let linkedCount = 0;
    for (const hook of hooksSeen) linkedCount += hook.live;
    assert.equal(linkedCount, armed.size, 'every armed task is linked, once');
  }
  // Past every deadline, every timed task has been stopped; what is left waits for its signal alone.
  leftThisStep.clear();
  depth = Infinity; // (no more tasks from the callbacks)
  clock.advanceTo(clock.now() + Math.max(...profile.timeouts.map((ms) => ms ?? 0)) + 2);
  if (failure !== undefined) throw failure;
  for (const entry of armed.values()) assert.equal(entry.deadline, Infinity, 'a timed task has been stopped');
  for (const task of [...armed.keys()]) stops.disarm(task);
  assert.equal(clock.pending(), 0, 'no timer is left once no task is armed');
  for (const signal of allSignals) assert.equal(getEventListeners(signal, 'abort').length, 0, 'no listener is left');
  return { stops: stopsSeen, lateStops, drops, renumbers };
}

for (const [name, profile, seeds] of [['short-lived hooks', SHORT, 60], ['long-lived hooks', LONG, 6]] as const) {
  test(`StopHooks agree with a model under random arms, disarms, aborts, clock moves and re-entrant stops: ${name}`, (t) => {
    const total: Outcome = { stops: 0, lateStops: 0, drops: 0, renumbers: 0 };
    for (let seed = 1; seed <= seeds; seed++) {
      const outcome = runModel(seed, profile);
      for (const key of Object.keys(total) as (keyof Outcome)[]) total[key] += outcome[key];
    }
    assert.ok(total.stops > (profile === LONG ? 100 : 2000), `only ${total.stops} stops seen: the model hardly ran`);
    if (profile === LONG) assert.ok(total.drops > 0 && total.renumbers > 0, 'runs were dropped and renumbered');
    t.diagnostic(
      `${total.stops} stops, ${total.lateStops} of tasks disarmed by a callback after their stop was decided; ` +
        `runs dropped ${total.drops} times, renumbered ${total.renumbers} times`,
    );
  });
}
