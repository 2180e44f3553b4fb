import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { Barrier, BarrierState, BrokenBarrierError } from 'aiox';
import { nextTurn, track } from '../fixtures/settle.js';

test('the barrier opens when all parties wait, giving each a distinct index, and is reusable', async () => {
  const barrier = new Barrier(3);
  for (let round = 0; round < 2; round++) {
    const first = track(barrier.wait());
    const second = track(barrier.wait());
    await nextTurn();
    assert.equal(first.state, 'pending');
    assert.equal(barrier.nWaiting, 2);
    const last = await barrier.wait();
    await nextTurn();
    assert.deepEqual([first.value, second.value, last], [0, 1, 2]);
    assert.equal(barrier.nWaiting, 0);
  }
});

test('reset rejects the waiting parties with BrokenBarrierError and leaves the barrier usable', async () => {
  const barrier = new Barrier(2);
  const waiting = track(barrier.wait());
  barrier.reset();
  await nextTurn();
  assert.ok(waiting.reason instanceof BrokenBarrierError);
  assert.equal(barrier.broken, false);
  assert.deepEqual(await Promise.all([barrier.wait(), barrier.wait()]), [0, 1]);
});

test('abort rejects the waiting parties and every later wait until reset', async () => {
  const barrier = new Barrier(3);
  const waiting = track(barrier.wait());
  barrier.abort();
  await nextTurn();
  assert.ok(waiting.reason instanceof BrokenBarrierError);
  assert.equal(barrier.broken, true);
  assert.equal(barrier.state, BarrierState.BROKEN);
  await assert.rejects(barrier.wait(), BrokenBarrierError);
  barrier.reset();
  assert.equal(barrier.broken, false);
  assert.equal(barrier.state, BarrierState.FILLING);
  const a = track(barrier.wait());
  await nextTurn();
  assert.equal(a.state, 'pending');
});

test('an aborted party withdraws without a trace; the others still get distinct indexes', async () => {
  const barrier = new Barrier(3);
  const controller = new AbortController();
  const a = track(barrier.wait());
  const b = track(barrier.wait({ signal: controller.signal }));
  await nextTurn();
  controller.abort(new Error('left'));
  await nextTurn();
  assert.equal((b.reason as Error).message, 'left');
  assert.equal(barrier.nWaiting, 1);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  const c = track(barrier.wait());
  await nextTurn();
  assert.equal(c.state, 'pending', 'two parties are not enough');
  const d = await barrier.wait();
  await nextTurn();
  assert.deepEqual([a.value, c.value, d], [0, 1, 2]);
});

test('parties must be an integer >= 1', () => {
  assert.throws(() => new Barrier(0), { name: 'RangeError', message: 'parties must be an integer >= 1, received 0' });
  assert.equal(new Barrier(4).parties, 4);
});

test('a barrier of one party opens at once', async () => {
  assert.equal(await new Barrier(1).wait(), 0);
});
