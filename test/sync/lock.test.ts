import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { InvalidStateError, Lock } from 'aiox';
import { nextTurn, track } from '../fixtures/settle.js';

test('waiters get the lock first in first out, one at a time', async () => {
  const lock = new Lock();
  const order: number[] = [];
  const first = await lock.acquire();
  const waiting = [1, 2, 3].map((n) =>
    lock.acquire().then((held) => {
      order.push(n);
      return held;
    }),
  );
  await nextTurn();
  assert.deepEqual(order, []);
  first.release();
  await nextTurn();
  assert.deepEqual(order, [1]);
  (await waiting[0]!).release();
  await nextTurn();
  assert.deepEqual(order, [1, 2]);
  (await waiting[1]!).release();
  (await waiting[2]!).release();
  assert.deepEqual(order, [1, 2, 3]);
  assert.equal(lock.locked(), false);
});

test('a newcomer cannot overtake a waiter when the lock is released', async () => {
  const lock = new Lock();
  const held = await lock.acquire();
  const waiter = track(lock.acquire());
  held.release();
  const newcomer = track(lock.acquire());
  await nextTurn();
  assert.equal(waiter.state, 'fulfilled');
  assert.equal(newcomer.state, 'pending');
});

test('releasing an unlocked lock throws InvalidStateError', () => {
  const lock = new Lock();
  assert.throws(() => lock.release(), InvalidStateError);
});

test('await using releases the lock at the end of the block, even on a throw', async () => {
  const lock = new Lock();
  await assert.rejects(async () => {
    await using _held = await lock.acquire();
    assert.equal(lock.locked(), true);
    throw new Error('inside');
  }, /inside/);
  assert.equal(lock.locked(), false);
});

test("a handle releases once: a second release cannot free someone else's hold", async () => {
  const lock = new Lock();
  const first = await lock.acquire();
  const second = track(lock.acquire());
  first.release();
  await nextTurn();
  assert.equal(second.state, 'fulfilled');
  first.release();
  assert.equal(first.released, true);
  assert.equal(lock.locked(), true, 'the second holder still holds the lock');
});

test('an aborted acquire leaves the line without a trace; the lock passes to the next waiter', async () => {
  const lock = new Lock();
  const held = await lock.acquire();
  const controller = new AbortController();
  const aborted = track(lock.acquire({ signal: controller.signal }));
  const next = track(lock.acquire());
  controller.abort(new Error('gave up'));
  await nextTurn();
  assert.equal((aborted.reason as Error).message, 'gave up');
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  held.release();
  await nextTurn();
  assert.equal(next.state, 'fulfilled');
  next.value!.release();
  assert.equal(lock.locked(), false);
});

test('race: a release that comes before the abort hands over the lock, and the abort changes nothing', async () => {
  const lock = new Lock();
  const held = await lock.acquire();
  const controller = new AbortController();
  const waiter = track(lock.acquire({ signal: controller.signal }));
  held.release();
  controller.abort();
  await nextTurn();
  assert.equal(waiter.state, 'fulfilled');
  assert.equal(lock.locked(), true);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  waiter.value!.release();
  assert.equal(lock.locked(), false);
});

test('race: an abort that comes before the release leaves the lock free', async () => {
  const lock = new Lock();
  const held = await lock.acquire();
  const controller = new AbortController();
  const waiter = track(lock.acquire({ signal: controller.signal }));
  controller.abort();
  held.release();
  await nextTurn();
  assert.equal(waiter.state, 'rejected');
  assert.equal(lock.locked(), false);
});

test('an already aborted signal rejects even when the lock is free, and takes nothing', async () => {
  const lock = new Lock();
  await assert.rejects(lock.acquire({ signal: AbortSignal.abort(new Error('no')) }), /no/);
  assert.equal(lock.locked(), false);
});

test("a handle whose hold lock.release() ended does not free the next holder's lock", async () => {
  const lock = new Lock();
  const stale = await lock.acquire();
  lock.release(); // asyncio style: the hold ends here
  const next = await lock.acquire();
  stale.release(); // later, e.g. through `await using`: must do nothing
  assert.equal(lock.locked(), true);
  const third = track(lock.acquire());
  await nextTurn();
  assert.equal(third.state, 'pending', 'mutual exclusion held');
  next.release(); // the real holder's release still works
  await nextTurn();
  assert.equal(third.state, 'fulfilled');
  (await third.promise).release();
  assert.equal(lock.locked(), false);
});

test('a stale handle does nothing when the lock was handed to a waiter by lock.release()', async () => {
  const lock = new Lock();
  const stale = await lock.acquire();
  const waiter = track(lock.acquire());
  lock.release();
  await nextTurn();
  assert.equal(waiter.state, 'fulfilled');
  stale.release();
  assert.equal(lock.locked(), true);
  (await waiter.promise).release();
  assert.equal(lock.locked(), false);
});
