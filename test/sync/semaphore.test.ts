import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { BoundedSemaphore, InvalidStateError, Semaphore } from 'aiox';
import { nextTurn, track } from '../fixtures/settle.js';

test('acquire takes a permit, waits when none is left, and release gives it back', async () => {
  const sem = new Semaphore(2);
  const a = await sem.acquire();
  await sem.acquire();
  assert.equal(sem.value, 0);
  assert.equal(sem.locked(), true);
  const third = track(sem.acquire());
  await nextTurn();
  assert.equal(third.state, 'pending');
  a.release();
  await nextTurn();
  assert.equal(third.state, 'fulfilled');
  assert.equal(sem.value, 0);
});

test('acquireMany takes all n permits at once or none, never part of them', async () => {
  const sem = new Semaphore(3);
  const held = await sem.acquireMany(2);
  const many = track(sem.acquireMany(3));
  await nextTurn();
  assert.equal(many.state, 'pending');
  assert.equal(sem.value, 1, 'the free permit is not taken by the waiting request');
  held.release();
  await nextTurn();
  assert.equal(many.state, 'fulfilled');
  assert.equal(sem.value, 0);
  many.value!.release();
  assert.equal(sem.value, 3);
});

test('requests are served first in first out: a large request at the head holds back a small one', async () => {
  const sem = new Semaphore(2);
  const held = await sem.acquireMany(2);
  const big = track(sem.acquireMany(2));
  const small = track(sem.acquire());
  held.release();
  await nextTurn();
  assert.equal(big.state, 'fulfilled');
  assert.equal(small.state, 'pending');
  assert.equal(sem.locked(), true);
  big.value!.release();
  await nextTurn();
  assert.equal(small.state, 'fulfilled');
});

test('concurrent acquireMany calls never deadlock and never exceed the permits', async () => {
  const sem = new Semaphore(5);
  let inUse = 0;
  let peak = 0;
  let finished = 0;
  const tasks = Array.from({ length: 40 }, async (_, i) => {
    const n = (i % 5) + 1;
    for (let round = 0; round < 3; round++) {
      await using _permits = await sem.acquireMany(n);
      inUse += n;
      peak = Math.max(peak, inUse);
      await nextTurn();
      inUse -= n;
    }
    finished++;
  });
  await Promise.all(tasks);
  assert.equal(finished, 40);
  assert.ok(peak <= 5, `peak ${peak} permits in use`);
  assert.equal(sem.value, 5);
});

test('an abort part-way loses no permit and wakes the requests behind the aborted one', async () => {
  const sem = new Semaphore(3);
  const held = await sem.acquireMany(2);
  const controller = new AbortController();
  const big = track(sem.acquireMany(3, { signal: controller.signal }));
  const small = track(sem.acquire());
  await nextTurn();
  assert.equal(small.state, 'pending', 'behind the big request');
  controller.abort(new Error('enough'));
  await nextTurn();
  assert.equal(big.state, 'rejected');
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  assert.equal(small.state, 'fulfilled', 'the free permit goes to the next request at once');
  held.release();
  small.value!.release();
  assert.equal(sem.value, 3);
});

test('race: permits granted before the abort stay granted and are released once', async () => {
  const sem = new Semaphore(2);
  const held = await sem.acquireMany(2);
  const controller = new AbortController();
  const waiter = track(sem.acquireMany(2, { signal: controller.signal }));
  held.release();
  controller.abort();
  await nextTurn();
  assert.equal(waiter.state, 'fulfilled');
  assert.equal(sem.value, 0);
  waiter.value!.release();
  waiter.value!.release();
  await waiter.value![Symbol.asyncDispose]();
  assert.equal(sem.value, 2, 'released exactly once');
});

test('race: an abort before the release takes nothing', async () => {
  const sem = new Semaphore(1);
  const held = await sem.acquire();
  const controller = new AbortController();
  const waiter = track(sem.acquire({ signal: controller.signal }));
  controller.abort();
  held.release();
  await nextTurn();
  assert.equal(waiter.state, 'rejected');
  assert.equal(sem.value, 1);
  assert.equal(sem.locked(), false);
});

test('an already aborted signal takes nothing even when permits are free', async () => {
  const sem = new Semaphore(1);
  await assert.rejects(sem.acquire({ signal: AbortSignal.abort(new Error('no')) }), /no/);
  assert.equal(sem.value, 1);
});

test('await using gives the permits back at the end of the block', async () => {
  const sem = new Semaphore(4);
  {
    await using _three = await sem.acquireMany(3);
    assert.equal(sem.value, 1);
  }
  assert.equal(sem.value, 4);
});

test('bad arguments are refused with a message naming them', () => {
  const sem = new Semaphore(1);
  assert.throws(() => sem.acquireMany(0), { name: 'RangeError', message: 'n must be an integer >= 1, received 0' });
  assert.throws(() => sem.acquireMany(1.5), RangeError);
  assert.throws(() => sem.release(0), RangeError);
  assert.throws(() => new Semaphore(-1), { name: 'RangeError', message: 'value must be an integer >= 0, received -1' });
});

test('BoundedSemaphore throws on a release beyond its initial value', async () => {
  const sem = new BoundedSemaphore(2);
  assert.throws(() => sem.release(), InvalidStateError);
  const one = await sem.acquire();
  assert.throws(() => sem.release(2), InvalidStateError);
  assert.equal(sem.value, 1);
  one.release();
  assert.equal(sem.value, 2);
  assert.throws(() => sem.acquireMany(3), { name: 'RangeError', message: "n must be an integer <= 2 (the semaphore's bound), received 3" });
  // A handle releases once, so using handles can never trip the bound.
  const two = await sem.acquireMany(2);
  two.release();
  two.release();
  assert.equal(sem.value, 2);
});

test('acquireMany beyond the permits there are waits, and a release that adds permits satisfies it', async () => {
  const sem = new Semaphore(1);
  const five = track(sem.acquireMany(5));
  await nextTurn();
  assert.equal(five.state, 'pending');
  sem.release(4); // an unbounded semaphore may grow beyond its initial value, as in asyncio
  await nextTurn();
  assert.equal(five.state, 'fulfilled');
  assert.equal(sem.value, 0);
  (await five.promise).release();
  assert.equal(sem.value, 5);
});
