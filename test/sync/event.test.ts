import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { Event } from 'aiox';
import { fakeClock, nextTurn, longClock, track } from '../fixtures/settle.js';

test('wait resolves to true once the event is set, and at once when it already is', async () => {
  const event = new Event();
  const a = track(event.wait());
  const b = track(event.wait());
  await nextTurn();
  assert.equal(a.state, 'pending');
  assert.equal(event.isSet(), false);
  event.set();
  await nextTurn();
  assert.deepEqual([a.value, b.value], [true, true]);
  assert.equal(event.isSet(), true);
  assert.equal(await event.wait(), true);
});

test('a set followed at once by a clear still wakes those already waiting, but not later waiters', async () => {
  const event = new Event();
  const before = track(event.wait());
  event.set();
  event.clear();
  const after = track(event.wait());
  await nextTurn();
  assert.equal(before.value, true);
  assert.equal(after.state, 'pending');
  assert.equal(event.isSet(), false);
  event.set();
  await nextTurn();
  assert.equal(after.value, true);
});

test('wait with a timeout resolves to false when the time passes first, not before', async (t) => {
  const advance = fakeClock(t);
  const event = new Event();
  const waiting = track(event.wait({ timeout: 100 }));
  await advance(99);
  assert.equal(waiting.state, 'pending');
  await advance(1);
  assert.equal(waiting.state, 'fulfilled');
  assert.equal(waiting.value, false);
  // The timed-out waiter left: a later set wakes nobody twice and a new wait is not disturbed.
  event.set();
  assert.equal(await event.wait({ timeout: 0 }), true);
});

test('wait with a timeout resolves to true when set in time, and its timer is gone', async () => {
  // Real timers here: the check is on the set of live handles, never on elapsed time.
  const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
  const before = timers();
  const event = new Event();
  const waiting = event.wait({ timeout: 60_000 });
  assert.equal(timers(), before + 1);
  event.set();
  assert.equal(await waiting, true);
  assert.equal(timers(), before);
});

test('an aborted wait rejects with the reason and leaves no listener and no waiter behind', async () => {
  const event = new Event();
  const controller = new AbortController();
  const waiting = track(event.wait({ signal: controller.signal }));
  assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
  const reason = new Error('stop');
  controller.abort(reason);
  await nextTurn();
  assert.equal(waiting.reason, reason);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
});

test('after wake-up, no abort listener remains on the signal', async () => {
  const event = new Event();
  const controller = new AbortController();
  const waiting = event.wait({ signal: controller.signal, timeout: 1000 });
  event.set();
  assert.equal(await waiting, true);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
});

test('an already aborted signal rejects even when the event is set', async () => {
  const event = new Event();
  event.set();
  const reason = new Error('already');
  await assert.rejects(event.wait({ signal: AbortSignal.abort(reason) }), (e) => e === reason);
});

test('bad options are refused with a message naming them', () => {
  const event = new Event();
  assert.throws(() => event.wait({ timeout: -1 }), { name: 'RangeError', message: 'timeout must be a number >= 0 (milliseconds), received -1' });
  assert.throws(() => event.wait({ signal: {} as AbortSignal }), { name: 'TypeError', message: 'signal must be an AbortSignal, received an object' });
});

test('a wait with a timeout longer than setTimeout can wait (2^31 - 1 ms) is kept in full', async (t) => {
  const advanceTo = longClock(t);
  const ms = 3_000_000_000;
  const waited = track(new Event().wait({ timeout: ms }));
  await advanceTo(10);
  assert.equal(waited.state, 'pending');
  await advanceTo(ms - 1);
  assert.equal(waited.state, 'pending');
  await advanceTo(ms);
  assert.equal(waited.value, false);
});
