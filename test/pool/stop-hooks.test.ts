import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { TimeoutError } from '../../src/futures/errors.js';
import { StopHooks, type StopHook, type Stoppable } from '../../src/pool/stop-hooks.js';
import { TimeoutError as PoolTimeoutError } from 'aiox';
import { makePool } from '../executors/pools.js';
import { holdUntil } from '../fixtures/abort-tasks.js';
import { Gates } from '../fixtures/gate.js';
import { fakeClock, jumpClock, track } from '../fixtures/settle.js';
import { add } from '../fixtures/tasks.js';

/** StopHooks over plain tasks, recording which were stopped, when (the faked clock) and why. */
function hooks(): { stops: StopHooks; stopped: [Stoppable, number, unknown][] } {
  const stopped: [Stoppable, number, unknown][] = [];
  const stops = new StopHooks((task, reason) => {
    assert.equal(task.stop, undefined, 'a task is disarmed before it is stopped');
    stopped.push([task, performance.now(), reason]);
  });
  return { stops, stopped };
}

const task = (): Stoppable => ({ stop: undefined, stopPrev: undefined, stopNext: undefined, stopRun: 0 });

/** The tasks linked in `hook`, oldest first, checked both ways. */
function linked(hook: StopHook): Stoppable[] {
  const tasks: Stoppable[] = [];
  let prev: Stoppable | undefined;
  for (let task = hook.oldest; task !== undefined; task = task.stopNext) {
    assert.equal(task.stopPrev, prev, 'each link points back to the one before it');
    assert.equal(task.stop, hook);
    tasks.push((prev = task));
  }
  assert.equal(hook.newest, prev);
  assert.equal(tasks.length, hook.live);
  return tasks;
}


test('tasks with one timeout share one timer: each times out at its own deadline, in order', (t) => {
  const advance = jumpClock(t);
  const setTimeoutSpy = t.mock.method(globalThis, 'setTimeout');
  const { stops, stopped } = hooks();
  const a = task();
  const b = task();
  const c = task();
  stops.arm(a, undefined, 100, false);
  advance(10);
  stops.arm(b, undefined, 100, false);
  advance(30);
  stops.arm(c, undefined, 100, false);
  assert.equal(a.stop, b.stop, 'one hook for tasks armed in a row with the same options');
  assert.equal(setTimeoutSpy.mock.callCount(), 1, 'one timer for three tasks');
  advance(59);
  assert.equal(stopped.length, 0);
  advance(1);
  assert.deepEqual(stopped.map(([s, at]) => [s, at]), [[a, 100]]);
  advance(9);
  assert.equal(stopped.length, 1, 'b is not stopped before its deadline');
  advance(1);
  advance(30);
  assert.deepEqual(stopped.map(([s, at]) => [s, at]), [[a, 100], [b, 110], [c, 140]]);
  for (const [, , reason] of stopped) {
    assert.ok(reason instanceof TimeoutError);
    assert.equal(reason.message, 'the task timed out after 100 ms');
  }
  assert.notEqual(stopped[0]![2], stopped[1]![2], 'each task gets its own error');
});

test('a disarmed task never times out; the timer goes with the last armed task', (t) => {
  const advance = jumpClock(t);
  const clear = t.mock.method(globalThis, 'clearTimeout');
  const { stops, stopped } = hooks();
  const a = task();
  const b = task();
  stops.arm(a, undefined, 50, false);
  advance(5);
  stops.arm(b, undefined, 50, false);
  stops.disarm(a);
  assert.equal(a.stop, undefined);
  advance(50);
  assert.deepEqual(stopped.map(([s, at]) => [s, at]), [[b, 55]], 'the timer armed for a is re-armed for b');
  const c = task();
  stops.arm(c, undefined, 50, false);
  const before = clear.mock.callCount();
  stops.disarm(c);
  assert.equal(clear.mock.callCount(), before + 1, 'no timer is left once no task is armed');
  advance(100);
  assert.equal(stopped.length, 1);
});

test('tasks with different timeouts, signals or BACKGROUND get hooks of their own', (t) => {
  jumpClock(t);
  const { stops } = hooks();
  const signal = new AbortController().signal;
  const tasks = [task(), task(), task(), task(), task()];
  stops.arm(tasks[0]!, undefined, 100, false);
  stops.arm(tasks[1]!, undefined, 200, false);
  stops.arm(tasks[2]!, signal, 200, false);
  stops.arm(tasks[3]!, signal, 200, true);
  stops.arm(tasks[4]!, signal, 200, true);
  const hooksOf = new Set(tasks.map((s) => s.stop));
  assert.equal(hooksOf.size, 4);
  assert.equal(tasks[3]!.stop, tasks[4]!.stop);
  assert.equal(tasks[3]!.stop!.background, true);
  for (const s of tasks) stops.disarm(s);
});

test('a background hook leaves its timer unreferenced', (t) => {
  jumpClock(t);
  const { stops } = hooks();
  const unref = t.mock.fn();
  t.mock.method(globalThis, 'setTimeout', () => ({ unref, ref: () => undefined }));
  t.mock.method(globalThis, 'clearTimeout', () => undefined);
  const a = task();
  stops.arm(a, undefined, 100, true);
  assert.equal(unref.mock.callCount(), 1);
  const b = task();
  stops.arm(b, undefined, 100, false);
  assert.equal(unref.mock.callCount(), 1, 'a task that keeps the program alive has a referenced timer');
  stops.disarm(a);
  stops.disarm(b);
});

test('one abort stops every armed task of the signal, with one listener for all', (t) => {
  jumpClock(t);
  const { stops, stopped } = hooks();
  const controller = new AbortController();
  const add = t.mock.method(controller.signal, 'addEventListener');
  const remove = t.mock.method(controller.signal, 'removeEventListener');
  const tasks = Array.from({ length: 5 }, task);
  stops.arm(tasks[0]!, controller.signal, undefined, false);
  stops.arm(tasks[1]!, controller.signal, 1000, false);
  stops.arm(tasks[2]!, controller.signal, undefined, false);
  stops.arm(tasks[3]!, controller.signal, undefined, false);
  stops.arm(tasks[4]!, controller.signal, undefined, false);
  stops.disarm(tasks[2]!);
  assert.equal(add.mock.callCount(), 1);
  controller.abort('stop');
  assert.deepEqual(
    stopped.map(([s, , reason]) => [tasks.indexOf(s), reason]),
    [
      [0, 'stop'],
      [1, 'stop'],
      [3, 'stop'],
      [4, 'stop'],
    ],
  );
  assert.equal(remove.mock.callCount(), 1, 'the listener is removed');
});

test("an 'abort' event dispatched on a signal that has not aborted stops nothing; its abort still does", (t) => {
  jumpClock(t);
  const { stops, stopped } = hooks();
  const controller = new AbortController();
  const a = task();
  stops.arm(a, controller.signal, undefined, false);
  controller.signal.dispatchEvent(new Event('abort'));
  assert.equal(stopped.length, 0);
  assert.equal(a.stop?.signal, controller.signal, 'still armed');
  controller.abort('now');
  assert.deepEqual(stopped.map(([s, , reason]) => [s, reason]), [[a, 'now']]);
});

test('the listener goes with the last task of the signal', (t) => {
  jumpClock(t);
  const { stops, stopped } = hooks();
  const controller = new AbortController();
  const remove = t.mock.method(controller.signal, 'removeEventListener');
  const a = task();
  const b = task();
  stops.arm(a, controller.signal, undefined, false);
  stops.arm(b, controller.signal, undefined, false);
  stops.disarm(b);
  assert.equal(remove.mock.callCount(), 0);
  stops.disarm(a);
  assert.equal(remove.mock.callCount(), 1);
  controller.abort();
  assert.equal(stopped.length, 0);
});

test('tasks settling behind one that stays armed leave the list at once', (t) => {
  const advance = jumpClock(t);
  const { stops, stopped } = hooks();
  const first = task();
  stops.arm(first, undefined, 100, false);
  const later = Array.from({ length: 2000 }, task);
  for (const s of later) stops.arm(s, undefined, 100, false);
  const hook = first.stop!;
  for (const s of later.slice(0, 1999)) stops.disarm(s);
  assert.deepEqual(linked(hook), [first, later[1999]]);
  for (const s of later.slice(0, 1999)) assert.ok(s.stopPrev === undefined && s.stopNext === undefined, 'a disarmed task holds no neighbour');
  advance(100);
  assert.equal(stopped.length, 2);
  assert.ok(stopped[0]![0] === first && stopped[1]![0] === later[1999]);
});

test('tasks armed within one millisecond share one deadline: a burst holds a run per millisecond, not a number per task', (t) => {
  const advance = jumpClock(t);
  const { stops, stopped } = hooks();
  const first = Array.from({ length: 2000 }, task);
  for (const s of first) stops.arm(s, undefined, 100, false);
  advance(3);
  const second = Array.from({ length: 2000 }, task);
  for (const s of second) stops.arm(s, undefined, 100, false);
  const hook = first[0]!.stop!;
  assert.equal(second[0]!.stop, hook);
  assert.deepEqual(hook.firsts.map(Math.ceil), [100, 103], 'one deadline for each millisecond tasks were armed in');
  assert.deepEqual(
    [first[0]!.stopRun, first[1999]!.stopRun, second[0]!.stopRun, second[1999]!.stopRun],
    [1, 0, 3, 2],
    'a task knows its run, and whether it began it',
  );
  advance(96);
  assert.equal(stopped.length, 0);
  advance(1);
  assert.equal(stopped.length, 2000, 'the first millisecond times out together');
  assert.ok(stopped.every(([s, at]) => first.includes(s) && at === 100));
  advance(2);
  assert.equal(stopped.length, 2000, 'the second is not stopped before its deadline');
  advance(1);
  assert.equal(stopped.length, 4000);
  assert.ok(stopped.slice(2000).every(([s, at]) => second.includes(s) && at === 103));
});

test('the first task of a run times out at its exact deadline, the others of the run at its deadline rounded up: never sooner', (t) => {
  let now = 0.25;
  t.mock.method(performance, 'now', () => now);
  const timers: [(hook: unknown) => void, number, unknown][] = [];
  t.mock.method(globalThis, 'setTimeout', (fn: (hook: unknown) => void, delay: number, hook: unknown) => {
    timers.push([fn, delay, hook]);
    return { unref: () => undefined, ref: () => undefined };
  });
  t.mock.method(globalThis, 'clearTimeout', () => undefined);
  const { stops, stopped } = hooks();
  const a = task();
  const b = task();
  stops.arm(a, undefined, 10, false);
  now = 0.75;
  stops.arm(b, undefined, 10, false);
  const hook = a.stop!;
  assert.deepEqual(hook.firsts.map(Math.ceil), [11], 'armed at 0.25 and 0.75 ms: one run, due at 11 ms');
  assert.equal(timers.length, 1);
  assert.equal(timers[0]![1], 10, "the timer waits for the first task's own timeout, not a millisecond more");
  now = 10.25;
  timers[0]![0](timers[0]![2]);
  assert.deepEqual(stopped.map(([s, at]) => [s, at]), [[a, 10.25]]);
  assert.equal(b.stop, hook, 'b, due at 10.75, is not stopped sooner');
  assert.equal(timers.length, 2);
  assert.equal(timers[1]![1], 1, 'then the timer waits for the run to end, at 11 ms');
  now = 11;
  timers[1]![0](timers[1]![2]);
  assert.deepEqual(stopped.map(([s, at]) => [s, at]), [[a, 10.25], [b, 11]]);
});

test('tasks leaving the list leave the deadline of each live task as it was', (t) => {
  const advance = jumpClock(t);
  const { stops, stopped } = hooks();
  const head = task();
  stops.arm(head, undefined, 100, false);
  const armed: Stoppable[][] = [];
  for (let ms = 0; ms < 4; ms++) {
    armed.push(Array.from({ length: 300 }, task));
    for (const s of armed[ms]!) stops.arm(s, undefined, 100, false);
    advance(1);
  }
  const hook = head.stop!;
  // All but the last task of each millisecond settle behind the head, which stays armed.
  for (const group of armed) for (const s of group.slice(0, -1)) stops.disarm(s);
  assert.deepEqual(linked(hook), [head, ...armed.map((group) => group.at(-1))]);
  assert.deepEqual(hook.firsts.map(Math.ceil), [100, 101, 102, 103]);
  advance(96);
  assert.deepEqual(stopped.map(([s, at]) => [s, at]), [[head, 100], [armed[0]!.at(-1), 100]]);
  advance(1);
  advance(1);
  advance(1);
  assert.deepEqual(
    stopped.slice(2).map(([s, at]) => [s, at]),
    [[armed[1]!.at(-1), 101], [armed[2]!.at(-1), 102], [armed[3]!.at(-1), 103]],
  );
});

test('a hook that lives long keeps only the runs of its armed tasks, and their deadlines', (t) => {
  const advance = jumpClock(t);
  const { stops, stopped } = hooks();
  const armed: Stoppable[] = [];
  // A task a millisecond, each settling 2 ms after it was armed: the hook never empties.
  for (let ms = 0; ms < 1000; ms++) {
    armed.push(task());
    stops.arm(armed[ms]!, undefined, 10_000, false);
    if (ms >= 2) stops.disarm(armed[ms - 2]!);
    advance(1);
  }
  const hook = armed[999]!.stop!;
  assert.deepEqual(linked(hook), [armed[998], armed[999]]);
  assert.ok(hook.firsts.length <= 600, `${hook.firsts.length} deadlines kept for 2 armed tasks`);
  assert.ok(hook.runBase > 0);
  advance(10_000 - 1000 + 997);
  assert.equal(stopped.length, 0);
  advance(1);
  assert.deepEqual(stopped.map(([s, at]) => [s, at]), [[armed[998], 10_998]]);
  advance(1);
  assert.deepEqual(stopped.map(([s, at]) => [s, at]), [[armed[998], 10_998], [armed[999], 10_999]]);
});

test('in a pool, tasks sharing one timeout each time out at their own deadline while their neighbours finish', { timeout: 60_000 }, async (t) => {
  const advance = fakeClock(t);
  const gates = new Gates('thread', 2);
  await using pool = makePool('thread', { maxWorkers: 2 });
  try {
    const quick = [pool.submitWith(add, [1, 1], { timeout: 100 }), pool.submitWith(add, [2, 1], { timeout: 100 })];
    const first = track(pool.submitWith(holdUntil, [gates.handle(0)], { timeout: 100 }));
    assert.deepEqual(await Promise.all(quick), [2, 3]);
    await gates.started(0);
    await advance(50);
    assert.equal(await pool.submitWith(add, [3, 1], { timeout: 100 }), 4);
    const second = track(pool.submitWith(holdUntil, [gates.handle(1)], { timeout: 100 }));
    await gates.started(1);
    await advance(49);
    assert.equal(first.settled, false);
    await advance(1);
    assert.equal(first.state, 'rejected');
    assert.ok(first.reason instanceof PoolTimeoutError);
    assert.equal(second.settled, false, 'the task submitted 50 ms later has 50 ms left');
    await advance(49);
    assert.equal(second.settled, false);
    await advance(1);
    assert.equal(second.state, 'rejected');
    assert.ok(second.reason instanceof PoolTimeoutError);
  } finally {
    await gates.release(0);
    await gates.release(1);
    gates.dispose();
  }
});

test('a hook that has lived through 2^30 runs still stops its tasks at their deadlines, no sooner', (t) => {
  const advance = jumpClock(t);
  const { stops, stopped } = hooks();
  const a = task();
  stops.arm(a, undefined, 100, false);
  const hook = a.stop!;
  // The state of a hook never empty for 2^30 ms (12.4 days) with a task armed every millisecond, its past
  // runs dropped: a is in run 2^30 - 1, and the next run is 2^30 (twice that no longer fits an int32).
  hook.runBase = hook.due = 2 ** 30 - 1;
  a.stopRun = 2 * hook.runBase + 1;
  advance(1);
  const b = task();
  stops.arm(b, undefined, 100, false);
  advance(1);
  const c = task();
  stops.arm(c, undefined, 100, false);
  assert.deepEqual(linked(hook), [a, b, c]);
  assert.ok([a, b, c].every((s) => s.stopRun < 2 ** 31), 'a run number stays one an int32 holds');
  advance(98);
  assert.deepEqual(stopped.map(([s, at]) => [s, at]), [[a, 100]], 'b and c are not stopped with a');
  advance(1);
  advance(1);
  assert.deepEqual(stopped.map(([s, at]) => [s, at]), [[a, 100], [b, 101], [c, 102]]);
});

test('behind a task that stays armed, a hook keeps no more runs than its armed tasks need, and their deadlines', (t) => {
  const advance = jumpClock(t);
  const { stops, stopped } = hooks();
  // One task hangs with a long safety timeout while a task a millisecond comes and settles 2 ms later.
  const stuck = task();
  stops.arm(stuck, undefined, 60_000, false);
  const hook = stuck.stop!;
  const armed: Stoppable[] = [];
  let most = 0;
  for (let ms = 0; ms < 5000; ms++) {
    advance(1);
    armed.push(task());
    stops.arm(armed[ms]!, undefined, 60_000, false);
    if (ms >= 2) stops.disarm(armed[ms - 2]!);
    most = Math.max(most, hook.firsts.length);
  }
  assert.deepEqual(linked(hook), [stuck, armed[4998], armed[4999]]);
  assert.ok(most <= 1024, `${most} deadlines kept for at most 4 armed tasks`);
  advance(60_000 - 5000 - 1);
  assert.equal(stopped.length, 0);
  advance(1);
  assert.deepEqual(stopped.map(([s, at]) => [s, at]), [[stuck, 60_000]]);
  advance(4998);
  assert.equal(stopped.length, 1);
  advance(1);
  advance(1);
  assert.deepEqual(stopped.map(([s, at]) => [s, at]), [[stuck, 60_000], [armed[4998], 64_999], [armed[4999], 65_000]]);
});

test('a disarmed task is held by nothing of its hook, not even while the timer waits for its deadline', (t) => {
  const advance = jumpClock(t);
  const { stops, stopped } = hooks();
  const a = task();
  const b = task();
  stops.arm(a, undefined, 3_600_000, false);
  advance(1);
  stops.arm(b, undefined, 3_600_000, false);
  const hook = a.stop!;
  // a settles at once, b stays armed: nothing may keep a (and its result) for the hour of the timeout.
  stops.disarm(a);
  const holders = [...Object.values(hook), ...linked(hook).flatMap((s) => [s.stopPrev, s.stopNext])];
  assert.ok(!holders.includes(a), 'a is not held');
  advance(3_600_000);
  assert.deepEqual(stopped.map(([s, at]) => [s, at]), [[b, 3_600_001]]);
});

/**
 * Fakes performance.now(), which reads `clock.now` (the test sets it), and setTimeout, whose timers `fire()`
 * runs in the order they were set, the clock then reading `firesAt(when it was set, its delay)`.
 */
function handTimers(
  t: TestContext,
  now: number,
  firesAt: (setAt: number, delay: number) => number,
): { clock: { now: number }; pending: () => number; fire: () => void } {
  const clock = { now };
  t.mock.method(performance, 'now', () => clock.now);
  const timers: [(hook: unknown) => void, number, unknown][] = [];
  t.mock.method(globalThis, 'setTimeout', (fn: (hook: unknown) => void, delay: number, hook: unknown) => {
    timers.push([fn, firesAt(clock.now, delay), hook]);
    return { unref: () => undefined, ref: () => undefined };
  });
  t.mock.method(globalThis, 'clearTimeout', () => undefined);
  const fire = (): void => {
    const [fn, at, hook] = timers.shift()!;
    clock.now = at;
    fn(hook);
  };
  return { clock, pending: () => timers.length, fire };
}

test('a task that began its run times out at its exact deadline even when the timer was armed for the run before it', (t) => {
  // Each timer fires when its delay has passed from when it was set.
  const { clock, pending, fire } = handTimers(t, 0.25, (setAt, delay) => setAt + delay);
  const { stops, stopped } = hooks();
  const [a, b, c] = [task(), task(), task()];
  stops.arm(a, undefined, 10, false);
  clock.now = 0.5;
  stops.arm(b, undefined, 10, false);
  clock.now = 1.2;
  stops.arm(c, undefined, 10, false);
  assert.deepEqual([a.stopRun, b.stopRun, c.stopRun], [1, 0, 3], 'a began a run that b joined; c, due at 11.2 ms, is alone in the next');
  fire();
  assert.deepEqual(stopped.map(([s, at]) => [s, at]), [[a, 10.25]]);
  fire();
  // b's run was due at 11 ms, and the timer waited a whole millisecond from 10.25; c's own timer would have
  // fired at 11.2 ms, before this one.
  assert.deepEqual(stopped.map(([s, at]) => [s, at]), [[a, 10.25], [b, 11.25], [c, 11.25]], 'c is not left for a millisecond more');
  assert.equal(pending(), 0, 'no timer is left');
});

test('a timer that fires early by performance.now() still stops what it was armed for, without a timer more', (t) => {
  // Node counts a timer's delay from its loop's clock, in whole milliseconds, which can be most of one behind
  // performance.now() when the timer is set: it then fires before the delay has passed by performance.now().
  const { clock, pending, fire } = handTimers(t, 0.75, (setAt, delay) => Math.floor(setAt) + delay);
  const { stops, stopped } = hooks();
  const [a, b] = [task(), task()];
  stops.arm(a, undefined, 10, false);
  clock.now = 0.9;
  stops.arm(b, undefined, 10, false);
  fire();
  assert.deepEqual(stopped.map(([s, at]) => [s, at]), [[a, 10]], 'a, due at 10.75, is stopped by the timer set for it, at 10');
  fire();
  assert.deepEqual(stopped.map(([s, at]) => [s, at]), [[a, 10], [b, 11]], "b, due with its run at 11, is stopped by the timer set for the run's deadline");
  assert.equal(pending(), 0);
});

/**
 * Runs `body` with a thread pool whose one worker a task without options holds meanwhile: the timed and
 * signalled tasks `body` submits wait in the queue, and are stopped there.
 */
async function withHeldWorker(body: (pool: ReturnType<typeof makePool>) => Promise<void> | void): Promise<void> {
  const gates = new Gates('thread', 1);
  await using pool = makePool('thread', { maxWorkers: 1 });
  try {
    const blocker = pool.submit(holdUntil, gates.handle(0));
    await gates.started(0);
    await body(pool);
    await gates.release(0);
    assert.equal(await blocker, 'released');
  } finally {
    await gates.release(0);
    gates.dispose();
  }
}

test('in a pool, a done callback run by an abort may cancel another task of the same signal: it stays cancelled', { timeout: 60_000 }, async () => {
  await withHeldWorker((pool) => {
    const controller = new AbortController();
    const queued = [1, 2, 3].map((n) => pool.submitWith(add, [n, 0], { signal: controller.signal }));
    const cancels: boolean[] = [];
    queued[0]!.addDoneCallback(() => cancels.push(queued[2]!.cancel()));
    const reason = new Error('stop');
    controller.abort(reason);
    assert.deepEqual(cancels, [true], 'the third task was still queued, and cancelled');
    assert.deepEqual(
      queued.map((f) => [f.state, f.cancelled() ? 'cancelled' : f.exception()]),
      [
        ['finished', reason],
        ['finished', reason],
        ['cancelled', 'cancelled'],
      ],
    );
    const stats = pool.stats();
    assert.deepEqual([stats.failed, stats.cancelled, stats.queued], [2, 1, 0], 'each task counted once, none left queued');
  });
});

test('in a pool, a task submitted by the done callback of one that timed out joins the hook still armed, with its own deadline', { timeout: 60_000 }, async (t) => {
  const advance = fakeClock(t);
  await withHeldWorker(async (pool) => {
    let third: ReturnType<typeof track<number>> | undefined;
    const first = pool.submitWith(add, [1, 0], { timeout: 100 });
    first.addDoneCallback(() => {
      third = track(pool.submitWith(add, [3, 0], { timeout: 100 }));
    });
    const firstOutcome = track(first);
    await advance(50);
    const second = track(pool.submitWith(add, [2, 0], { timeout: 100 }));
    await advance(50);
    assert.ok(firstOutcome.reason instanceof PoolTimeoutError);
    assert.ok(third !== undefined && !third.settled && !second.settled);
    await advance(49);
    assert.equal(second.settled, false);
    await advance(1);
    assert.ok(second.reason instanceof PoolTimeoutError, 'the second times out at 150 ms');
    assert.equal(third.settled, false, 'the task submitted at 100 ms has 50 ms left');
    await advance(49);
    assert.equal(third.settled, false);
    await advance(1);
    assert.ok(third.reason instanceof PoolTimeoutError, 'and times out at 200 ms');
  });
});

test('in a pool, a done callback of a timed-out task that aborts the signal of the others stops them at once', { timeout: 60_000 }, async (t) => {
  const advance = fakeClock(t);
  await withHeldWorker(async (pool) => {
    const controller = new AbortController();
    const reason = new Error('enough');
    const first = pool.submitWith(add, [1, 0], { signal: controller.signal, timeout: 100 });
    first.addDoneCallback(() => controller.abort(reason));
    const firstOutcome = track(first);
    await advance(50);
    const second = track(pool.submitWith(add, [2, 0], { signal: controller.signal, timeout: 100 }));
    await advance(50);
    assert.ok(firstOutcome.reason instanceof PoolTimeoutError);
    assert.equal(second.reason, reason, 'the second is stopped by the abort at 100 ms, not by its timeout at 150');
    assert.equal(pool.stats().failed, 2);
  });
});
