import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { handle, noise, patched } from '../fixtures/forged-memory.js';
import { BrokenThreadPool, SharedSemaphore, ThreadPoolExecutor, TimeoutError } from 'aiox';
import { Gates } from '../fixtures/gate.js';
import { nextTurn, track } from '../fixtures/settle.js';
import { holdPermitsAndExit, withinPermits } from '../fixtures/shared-tasks.js';

test('threads contending for permits never hold more than there are, and all of them come back', { timeout: 60_000 }, async () => {
  await using pool = new ThreadPoolExecutor({ maxWorkers: 4 });
  const sem = new SharedSemaphore(3);
  const memory = new SharedArrayBuffer(16);
  const stats = new Int32Array(memory);
  await Promise.all([
    pool.submit(withinPermits, sem, memory, 2000, 1),
    pool.submit(withinPermits, sem, memory, 2000, 1),
    pool.submit(withinPermits, sem, memory, 1000, 2),
    pool.submit(withinPermits, sem, memory, 1000, 3),
  ]);
  assert.equal(stats[0], 0);
  assert.ok(stats[1]! <= 3, `at most 3 permits held at once, saw ${stats[1]}`);
  assert.ok(stats[1]! >= 1);
  assert.equal(sem.value, 3);
});

test('acquireMany takes all n at once or waits; the handle gives them back once', async () => {
  const sem = new SharedSemaphore(3);
  const two = await sem.acquireMany(2);
  assert.equal(sem.value, 1);
  const three = track(sem.acquireMany(3));
  await nextTurn();
  assert.equal(three.state, 'pending');
  assert.equal(sem.value, 1, 'a waiting request holds no part of what it asks for');
  two.release();
  two.release();
  const held = await three.promise;
  assert.equal(sem.value, 0);
  assert.equal(sem.tryAcquire(), undefined);
  held.release();
  assert.equal(sem.value, 3);
});

test('a worker that exits holding permits gives them back to the waiters', { timeout: 30_000 }, async () => {
  const gates = new Gates('thread', 1);
  await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  const sem = new SharedSemaphore(2);
  const task = pool.submit(holdPermitsAndExit, sem, 2, gates.handle(0));
  await gates.started(0);
  assert.equal(sem.value, 0);
  const waiter = track(sem.acquireMany(2));
  await nextTurn();
  assert.equal(waiter.state, 'pending');
  await gates.release(0);
  await assert.rejects(task, BrokenThreadPool);
  const held = await waiter.promise;
  held.release();
  assert.equal(sem.value, 2);
});

test('an aborted acquire takes nothing and leaves no listener; a timeout rejects with TimeoutError', async () => {
  const sem = new SharedSemaphore(1);
  const held = sem.tryAcquire()!;
  const controller = new AbortController();
  const waiter = track(sem.acquire({ signal: controller.signal }));
  await nextTurn();
  controller.abort(new Error('stop'));
  await assert.rejects(waiter.promise, /stop/);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  await assert.rejects(sem.acquire({ timeout: 5 }), TimeoutError);
  held.release();
  assert.equal(sem.value, 1);
});

test('options and arguments are validated; blocking is refused on the main thread', async () => {
  assert.throws(() => new SharedSemaphore(0), /permits must be an integer >= 1, received 0/);
  const sem = new SharedSemaphore(2);
  await assert.rejects(sem.acquireMany(3), /n must be at most permits \(2\), received 3/);
  await assert.rejects(sem.acquireMany(0), /n must be an integer >= 1, received 0/);
  assert.throws(() => sem.acquireSync(), /acquireSync\(\) blocks and is not allowed on the main thread/);
  const clone = SharedSemaphore.from(structuredClone(sem));
  const permit = clone.tryAcquire()!;
  assert.equal(sem.value, 1);
  permit.release();
  assert.equal(clone.permits, 2);
});

test('from() refuses memory that is not a SharedSemaphore, naming the broken invariant', async () => {
  const from = (buffer: SharedArrayBuffer) => () => SharedSemaphore.from(handle('SharedSemaphore', buffer));
  assert.throws(from(noise(4 * 11)), /not a valid SharedSemaphore: it does not carry the mark of a SharedSemaphore/);
  const real = new SharedSemaphore(3);
  assert.equal(SharedSemaphore.from(handle('SharedSemaphore', patched(real.buffer, {}))).permits, 3);
  assert.throws(from(patched(real.buffer, { 2: 0 })), /its permits are 0/);
  assert.throws(from(patched(real.buffer, { 3: 200 })), /it has 200 slots, expected 3 for 3 permits/);
  assert.throws(from(patched(real.buffer, { 6: 1395451447 })), /slot 0 holds 1395451447 permits/);
});
