import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { TimeoutError, timeout } from 'aiox';
import { fakeClock, nextTurn, longClock, track } from '../fixtures/settle.js';

/** Work that never finishes on its own and records the signal it was given. */
function hang(signals: AbortSignal[]): (signal: AbortSignal) => Promise<never> {
  return (signal) => {
    signals.push(signal);
    return new Promise(() => {});
  };
}

test('the result of work that finishes in time is passed through', async (t) => {
  const advance = fakeClock(t);
  let given: AbortSignal | undefined;
  const result = track(
    timeout(100, async (signal) => {
      given = signal;
      await new Promise((resolve) => setTimeout(resolve, 50));
      return 'done';
    }),
  );
  await advance(50);
  assert.equal(result.value, 'done');
  await advance(100);
  assert.equal(given?.aborted, false, 'the timer is gone once the work is done');
});

test('a failure of the work is passed through', async () => {
  await assert.rejects(
    timeout(100, () => {
      throw new Error('bad');
    }),
    /bad/,
  );
});

test("when time runs out it rejects with TimeoutError and aborts the work's signal with it", async (t) => {
  const advance = fakeClock(t);
  const signals: AbortSignal[] = [];
  const result = track(timeout(100, hang(signals)));
  await advance(99);
  assert.equal(result.state, 'pending');
  assert.equal(signals[0]?.aborted, false);
  await advance(1);
  assert.ok(result.reason instanceof TimeoutError);
  assert.equal(signals[0]?.aborted, true);
  assert.equal(signals[0]?.reason, result.reason);
});

test("the caller's signal aborts the work and rejects at once; no listener is left behind", async (t) => {
  fakeClock(t);
  const controller = new AbortController();
  const signals: AbortSignal[] = [];
  const result = track(timeout(1000, hang(signals), { signal: controller.signal }));
  assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
  const reason = new Error('caller gave up');
  controller.abort(reason);
  await nextTurn();
  assert.equal(result.reason, reason);
  assert.equal(signals[0]?.reason, reason);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
});

test("after the work finishes, no listener stays on the caller's signal", async () => {
  const controller = new AbortController();
  assert.equal(await timeout(1000, () => 7, { signal: controller.signal }), 7);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
});

test('an already aborted signal rejects without calling the work', async () => {
  let called = false;
  await assert.rejects(
    timeout(10, () => (called = true), { signal: AbortSignal.abort(new Error('before')) }),
    /before/,
  );
  assert.equal(called, false);
});

test('bad arguments are refused with a message naming them', () => {
  assert.throws(() => timeout(-1, () => 1), { name: 'RangeError', message: 'ms must be a number >= 0 (milliseconds), received -1' });
  assert.throws(() => timeout(1, 'x' as never), { name: 'TypeError', message: 'work must be a function, received "x"' });
});

test('a limit longer than setTimeout can wait (2^31 - 1 ms) is kept in full', async (t) => {
  const advanceTo = longClock(t);
  const ms = 3_000_000_000;
  const signals: AbortSignal[] = [];
  const limited = track(timeout(ms, hang(signals)));
  await advanceTo(10);
  assert.equal(limited.state, 'pending');
  await advanceTo(ms - 1);
  assert.equal(limited.state, 'pending');
  assert.equal(signals[0]!.aborted, false);
  await advanceTo(ms);
  assert.ok(limited.reason instanceof TimeoutError);
});
