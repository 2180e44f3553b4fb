import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { handle, noise } from '../fixtures/forged-memory.js';
import { InvalidStateError, SharedCondition, SharedLock, ThreadPoolExecutor } from 'aiox';
import { Gates } from '../fixtures/gate.js';
import { nextTurn, track } from '../fixtures/settle.js';
import { awaitState, raiseState } from '../fixtures/shared-tasks.js';

test('workers blocked in waitForSync wake when another worker raises the state', { timeout: 60_000 }, async () => {
  const gates = new Gates('thread', 2);
  await using pool = new ThreadPoolExecutor({ maxWorkers: 3 });
  const cond = new SharedCondition();
  const memory = new SharedArrayBuffer(8);
  const waiters = [pool.submit(awaitState, cond, memory, 500, gates.handle(0)), pool.submit(awaitState, cond, memory, 1000, gates.handle(1))];
  await gates.started(0);
  await gates.started(1);
  await pool.submit(raiseState, cond, memory, 1000);
  const seen = await Promise.all(waiters);
  assert.ok(seen[0]! >= 500 && seen[1] === 1000, `woke at ${seen.join(', ')}`);
  assert.equal(new Int32Array(memory)[1], 2);
  assert.equal(cond.lock.locked(), false);
});

test('the main thread waits with waitFor while a worker notifies', { timeout: 30_000 }, async () => {
  await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  const cond = new SharedCondition();
  const memory = new SharedArrayBuffer(8);
  const state = new Int32Array(memory);
  await using _held = await cond.acquire();
  const raising = pool.submit(raiseState, cond, memory, 100);
  assert.equal(await cond.waitFor(() => state[0] === 100), true);
  assert.equal(cond.lock.heldByMe(), true);
  await raising;
});

test('an aborted wait takes the lock back before it rejects and leaves no listener', async () => {
  const cond = new SharedCondition();
  await cond.acquire();
  const controller = new AbortController();
  const waiting = track(cond.wait({ signal: controller.signal }));
  await nextTurn();
  assert.equal(cond.lock.locked(), false, 'the lock is released while waiting');
  controller.abort(new Error('stop'));
  await assert.rejects(waiting.promise, /stop/);
  assert.equal(cond.lock.locked(), true);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  assert.equal(await cond.wait({ timeout: 5 }), false);
  assert.equal(cond.lock.locked(), true);
  cond.release();
});

test('using the condition without holding its lock throws; the lock may be shared', async () => {
  const lock = new SharedLock();
  const cond = new SharedCondition(lock);
  assert.throws(() => cond.notify(), InvalidStateError);
  await assert.rejects(cond.wait(), InvalidStateError);
  assert.throws(() => new SharedCondition({} as SharedLock), /lock must be a SharedLock, received an object/);
  const revived = SharedCondition.from(structuredClone(cond));
  const held = revived.lock.tryAcquire()!;
  assert.equal(lock.locked(), true);
  held.release();
});

test("the handle from acquire() still releases the lock after wait() gave it up and took it back", async () => {
  const cond = new SharedCondition();
  const held = await cond.acquire();
  const waiting = cond.wait();
  await nextTurn();
  const other = await cond.acquire(); // someone else holds the lock meanwhile
  cond.notify();
  cond.lock.release(); // a plain release ends that hold: `other` is stale from here on
  assert.equal(await waiting, true);
  other.release(); // stale: does nothing to the waiter's hold
  assert.equal(cond.lock.locked(), true);
  held.release();
  assert.equal(cond.lock.locked(), false);
  const next = await cond.acquire();
  other.release(); // still stale: the next holder keeps the lock
  assert.equal(cond.lock.locked(), true);
  next.release();
});

test('a handle made stale while a wait() had given the lock up never frees a later holder', async () => {
  const cond = new SharedCondition();
  const lock = cond.lock;
  const first = await lock.acquire();
  const stop = new AbortController();
  const waiting = cond.wait({ signal: stop.signal });
  const other = await lock.acquire(); // taken while the waiter has given the lock up
  lock.release(); // a plain release ends that hold: `other` is stale from here on
  stop.abort(new Error('stop waiting'));
  await assert.rejects(waiting, /stop waiting/); // the waiter took the lock back first
  first.release();
  const next = await lock.acquire();
  other.release(); // stale: must not free `next`'s hold
  assert.equal(lock.locked(), true);
  next.release();
});

test('from() refuses memory that is not a SharedCondition, or a lock that is not a SharedLock', async () => {
  const real = new SharedCondition();
  assert.throws(() => SharedCondition.from({ ...handle('SharedCondition', noise(8)), lock: real.lock }), /not a valid SharedCondition: it does not carry the mark/);
  assert.throws(() => SharedCondition.from({ ...handle('SharedCondition', real.buffer), lock: handle('SharedLock', noise(8)) }), /not a valid SharedLock/);
});
