import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { sleep } from 'aiox';
import { fakeClock, nextTurn, longClock, track } from '../fixtures/settle.js';

test('sleep resolves after ms milliseconds and not before', async (t) => {
  const advance = fakeClock(t);
  const slept = track(sleep(100));
  await advance(99);
  assert.equal(slept.state, 'pending');
  await advance(1);
  assert.equal(slept.state, 'fulfilled');
});

test('an abort ends the sleep at once with the reason, and leaves no listener', async (t) => {
  const advance = fakeClock(t);
  const controller = new AbortController();
  const slept = track(sleep(1000, { signal: controller.signal }));
  await advance(10);
  const reason = new Error('wake up');
  controller.abort(reason);
  await nextTurn();
  assert.equal(slept.reason, reason);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
});

test('an aborted sleep leaves no timer to keep the program alive', async () => {
  // Real timers here: the check is on the set of live handles, never on elapsed time.
  const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
  const before = timers();
  const controller = new AbortController();
  const slept = sleep(60_000, { signal: controller.signal });
  assert.equal(timers(), before + 1);
  controller.abort();
  await slept.catch(() => {});
  assert.equal(timers(), before);
});

test('a finished sleep leaves no listener on its signal', async (t) => {
  const advance = fakeClock(t);
  const controller = new AbortController();
  const slept = track(sleep(5, { signal: controller.signal }));
  await advance(5);
  assert.equal(slept.state, 'fulfilled');
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
});

test('sleep(Infinity) waits until the signal aborts; an already aborted signal rejects at once', async () => {
  const controller = new AbortController();
  const forever = track(sleep(Infinity, { signal: controller.signal }));
  await nextTurn();
  assert.equal(forever.state, 'pending');
  controller.abort();
  await nextTurn();
  assert.equal(forever.state, 'rejected');
  await assert.rejects(sleep(10, { signal: AbortSignal.abort(new Error('before')) }), /before/);
});

test('a bad ms is refused with a message naming it', () => {
  assert.throws(() => sleep(-5), { name: 'RangeError', message: 'ms must be a number >= 0 (milliseconds), received -5' });
});

test('a sleep longer than setTimeout can wait (2^31 - 1 ms) still waits its whole time', async (t) => {
  const advanceTo = longClock(t);
  const ms = 3_000_000_000; // about 35 days
  const slept = track(sleep(ms));
  await advanceTo(10);
  assert.equal(slept.state, 'pending');
  await advanceTo(ms - 1);
  assert.equal(slept.state, 'pending');
  await advanceTo(ms);
  assert.equal(slept.state, 'fulfilled');
});
