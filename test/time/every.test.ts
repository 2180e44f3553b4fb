import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { PeriodicState, every, sleep } from 'aiox';
import { fakeClock, nextTurn, track } from '../fixtures/settle.js';

/**
 * A fake clock whose `performance.now()` can also jump ahead on its own, as it does when the event loop
 * is blocked and timers fire late.
 */
function clockWithJumps(t: TestContext): { advance: (ms: number) => Promise<void>; jump: (ms: number) => void } {
  const advance = fakeClock(t);
  let skew = 0;
  t.mock.method(performance, 'now', () => Date.now() + skew);
  return { advance, jump: (ms) => (skew += ms) };
}

test('runs every interval from a fixed origin: the time a run takes does not shift the next', async (t) => {
  const advance = fakeClock(t);
  const starts: number[] = [];
  const loop = every(100, async (signal) => {
    starts.push(performance.now());
    await sleep(30, { signal });
  });
  await advance(450);
  assert.deepEqual(starts, [100, 200, 300, 400]);
  loop.stop();
  await loop.done;
});

test('immediate runs once at time 0 first', async (t) => {
  const advance = fakeClock(t);
  const starts: number[] = [];
  const loop = every(100, () => void starts.push(performance.now()), { immediate: true });
  await advance(250);
  assert.deepEqual(starts, [0, 100, 200]);
  loop.stop();
});

/** A loop whose first run takes 250 ms and the others none. */
async function overrun(t: TestContext, overlap: 'skip' | 'wait'): Promise<number[]> {
  const advance = fakeClock(t);
  const starts: number[] = [];
  const loop = every(
    100,
    async (signal) => {
      starts.push(performance.now());
      if (starts.length === 1) await sleep(250, { signal });
    },
    { overlap },
  );
  await advance(520);
  loop.stop();
  await loop.done;
  return starts;
}

test("overlap 'skip' drops the ticks that came during an overrun, without a burst afterwards", async (t) => {
  assert.deepEqual(await overrun(t, 'skip'), [100, 400, 500]);
});

test("overlap 'wait' runs once as soon as the overrun ends, then goes back to the ticks", async (t) => {
  assert.deepEqual(await overrun(t, 'wait'), [100, 350, 400, 500]);
});

test('ticks missed while the event loop was blocked give one run, not one per tick', async (t) => {
  const { advance, jump } = clockWithJumps(t);
  const starts: number[] = [];
  const loop = every(100, () => void starts.push(performance.now()));
  await advance(50);
  jump(300); // the event loop was stuck for 300 ms: ticks 100, 200 and 300 are all due at 350
  await advance(50);
  assert.deepEqual(starts, [400]);
  await advance(100);
  assert.deepEqual(starts, [400, 500], 'back on the grid');
  loop.stop();
});

test('the default is not to overlap: a run never starts while the previous one is going', async (t) => {
  const advance = fakeClock(t);
  let running = 0;
  let peak = 0;
  const loop = every(10, async (signal) => {
    running++;
    peak = Math.max(peak, running);
    await sleep(35, { signal });
    running--;
  });
  await advance(200);
  loop.stop();
  await loop.done;
  assert.equal(peak, 1);
});

test('an error from fn stops the loop and rejects done with it', async (t) => {
  const advance = fakeClock(t);
  let runs = 0;
  const loop = every(100, () => {
    runs++;
    if (runs === 2) throw new Error('broken');
  });
  const done = track(loop.done);
  await advance(500);
  assert.equal(runs, 2);
  assert.equal((done.reason as Error).message, 'broken');
  assert.equal(loop.state, PeriodicState.STOPPED);
});

test('with onError, errors are handed to it and the loop goes on', async (t) => {
  const advance = fakeClock(t);
  const errors: string[] = [];
  let runs = 0;
  const loop = every(
    100,
    () => {
      runs++;
      throw new Error(`run ${runs}`);
    },
    { onError: (error) => void errors.push((error as Error).message) },
  );
  await advance(300);
  assert.deepEqual(errors, ['run 1', 'run 2', 'run 3']);
  loop.stop();
  await loop.done;
});

test('an error thrown by onError stops the loop with that error', async (t) => {
  const advance = fakeClock(t);
  const loop = every(100, () => Promise.reject(new Error('fn')), {
    onError: () => {
      throw new Error('handler');
    },
  });
  const done = track(loop.done);
  await advance(100);
  assert.equal((done.reason as Error).message, 'handler');
});

test('an abort stops the loop at once: done rejects with the reason, nothing runs after, no listener stays', async (t) => {
  const advance = fakeClock(t);
  const controller = new AbortController();
  let runs = 0;
  const loop = every(100, () => void runs++, { signal: controller.signal });
  await advance(150);
  assert.equal(runs, 1);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
  const reason = new Error('ctrl-c');
  controller.abort(reason);
  await nextTurn();
  assert.equal(loop.state, PeriodicState.STOPPED);
  await assert.rejects(loop.done, (e) => e === reason);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  await advance(500);
  assert.equal(runs, 1);
});

test('a run in progress receives the abort, and done settles only once that run has', async (t) => {
  const advance = fakeClock(t);
  let runSignal: AbortSignal | undefined;
  let release!: () => void;
  const loop = every(100, (signal) => {
    runSignal = signal;
    return new Promise<void>((resolve) => (release = resolve)); // ignores its signal
  });
  await advance(100);
  loop.stop();
  assert.equal(runSignal?.aborted, true);
  assert.equal(loop.state, PeriodicState.STOPPING);
  const done = track(loop.done);
  await nextTurn();
  assert.equal(done.state, 'pending');
  release();
  await nextTurn();
  assert.equal(done.state, 'fulfilled');
});

test('stop() resolves done and is idempotent; await using stops the loop', async (t) => {
  const advance = fakeClock(t);
  let runs = 0;
  {
    await using _loop = every(100, () => void runs++);
    await advance(100);
  }
  await advance(300);
  assert.equal(runs, 1);
  const loop = every(100, () => {});
  loop.stop();
  loop.stop();
  await loop.done;
  assert.equal(loop.state, PeriodicState.STOPPED);
});

test('an already aborted signal runs nothing, even with immediate', async (t) => {
  const advance = fakeClock(t);
  let runs = 0;
  const loop = every(100, () => void runs++, { signal: AbortSignal.abort(new Error('no')), immediate: true });
  await assert.rejects(loop.done, /no/);
  await advance(200);
  assert.equal(runs, 0);
});

test('bad arguments are refused with a message naming them', () => {
  assert.throws(() => every(0, () => {}), { name: 'RangeError', message: 'interval must be a finite number > 0 (milliseconds), received 0' });
  assert.throws(() => every(Infinity, () => {}), RangeError);
  assert.throws(() => every(10, () => {}, { overlap: 'burst' as never }), { name: 'RangeError', message: "overlap must be 'skip' or 'wait', received \"burst\"" });
  assert.throws(() => every(10, null as never), TypeError);
});

test('a run in progress at stop() that then fails rejects done; one that obeys the abort does not', async (t) => {
  const advance = fakeClock(t);
  let fail!: (error: unknown) => void;
  const loop = every(100, () => new Promise<void>((_, reject) => (fail = reject)));
  await advance(100);
  loop.stop();
  const done = track(loop.done);
  fail(new Error('disk full'));
  await nextTurn();
  assert.equal(done.state, 'rejected');
  assert.match((done.reason as Error).message, /disk full/);

  const errors: unknown[] = [];
  const handled = every(100, () => new Promise<void>((_, reject) => (fail = reject)), { onError: (e) => void errors.push(e) });
  await advance(100);
  handled.stop();
  fail(new Error('late'));
  await handled.done;
  assert.deepEqual(errors.map((e) => (e as Error).message), ['late']);

  const obeying = every(100, (signal) => sleep(1000, { signal }));
  await advance(100);
  obeying.stop();
  await obeying.done; // sleep rejected with the signal's reason: not an error
  const withAbortError = every(100, (signal) => new Promise<void>((_, reject) => signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))));
  await advance(100);
  withAbortError.stop();
  await withAbortError.done;
});

test('an interval or overlap that cannot be printed is still named in the error', () => {
  const bare = Object.create(null) as never;
  assert.throws(() => every(bare, () => undefined), { name: 'RangeError', message: 'interval must be a finite number > 0 (milliseconds), received an object' });
  assert.throws(() => every(10, () => undefined, { overlap: bare }), { name: 'RangeError', message: "overlap must be 'skip' or 'wait', received an object" });
});
