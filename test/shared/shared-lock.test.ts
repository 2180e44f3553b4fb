import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { handle, noise, patched } from '../fixtures/forged-memory.js';
import { BrokenThreadPool, InvalidStateError, SharedLock, ThreadPoolExecutor, TimeoutError } from 'aiox';
import { Gates } from '../fixtures/gate.js';
import { track, nextTurn } from '../fixtures/settle.js';
import { holdLockAndExit, holdLockAndSpin, incrementLocked, incrementLockedAsync, lockOwnerCheck, tryTimedAcquire } from '../fixtures/shared-tasks.js';

const TIMES = 5000;

test('two workers × thousands of locked non-atomic increments lose none', { timeout: 60_000 }, async () => {
  await using pool = new ThreadPoolExecutor({ maxWorkers: 2 });
  const lock = new SharedLock();
  const memory = new SharedArrayBuffer(12);
  const threads = await Promise.all([pool.submit(incrementLocked, lock, memory, TIMES), pool.submit(incrementLocked, lock, memory, TIMES)]);
  assert.equal(new Int32Array(memory)[0], 2 * TIMES);
  assert.equal(lock.locked(), false);
  assert.equal(new Set(threads).size, 2, 'the two tasks ran on two threads at once');
});

test('async waits in workers and on the main thread contend for the same lock', { timeout: 60_000 }, async () => {
  await using pool = new ThreadPoolExecutor({ maxWorkers: 2 });
  const lock = new SharedLock();
  const memory = new SharedArrayBuffer(12);
  const counter = new Int32Array(memory);
  counter[2] = 1; // incrementLocked waits for 2 arrivals; only one of it runs here
  const mainSide = (async () => {
    for (let i = 0; i < 500; i++) {
      await using _held = await lock.acquire();
      const before = counter[0]!;
      await nextTurn(); // give the event loop, and so the workers, every chance to interleave
      counter[0] = before + 1;
    }
  })();
  await Promise.all([
    pool.submit(incrementLockedAsync, lock, memory, TIMES),
    pool.submit(incrementLocked, lock, memory, TIMES),
    mainSide,
  ]);
  assert.equal(counter[0], 2 * TIMES + 500);
});

test('the owner is recorded as a threadId; tryAcquire fails while another thread holds it', async () => {
  await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  const lock = new SharedLock();
  assert.equal(lock.owner(), undefined);
  const held = lock.tryAcquire()!;
  assert.equal(lock.owner(), 0);
  assert.equal(lock.heldByMe(), true);
  const [got, owner] = await pool.submit(lockOwnerCheck, lock);
  assert.equal(got, false);
  assert.equal(owner, 0);
  held.release();
  const [gotNow, , workerThread] = await pool.submit(lockOwnerCheck, lock);
  assert.equal(gotNow, true);
  assert.notEqual(workerThread, 0);
});

test('a worker that exits holding the lock: the lock is freed and the waiter on the main thread goes on', { timeout: 30_000 }, async () => {
  const gates = new Gates('thread', 1);
  await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  const lock = new SharedLock();
  const task = pool.submit(holdLockAndExit, lock, gates.handle(0));
  await gates.started(0);
  assert.notEqual(lock.owner(), 0);
  assert.notEqual(lock.owner(), undefined);
  const waiter = track(lock.acquire());
  await nextTurn();
  assert.equal(waiter.state, 'pending');
  await gates.release(0);
  await assert.rejects(task, (e: unknown) => e instanceof BrokenThreadPool && /7/.test((e as Error).message));
  const held = await waiter.promise;
  assert.equal(lock.owner(), 0);
  held.release();
  // The pool healed, and a new worker can take the lock.
  assert.equal((await pool.submit(lockOwnerCheck, lock))[0], true);
});

test('a worker terminated by an abort while holding the lock frees it, and a blocked worker goes on', { timeout: 30_000 }, async () => {
  const gates = new Gates('thread', 1);
  await using pool = new ThreadPoolExecutor({ maxWorkers: 2 });
  const lock = new SharedLock();
  const controller = new AbortController();
  const spinning = pool.submitWith(holdLockAndSpin, [lock, gates.handle(0)], { signal: controller.signal });
  await gates.started(0);
  const blocked = pool.submit(tryTimedAcquire, lock, Infinity);
  controller.abort();
  await assert.rejects(spinning);
  assert.equal(await blocked, 'acquired');
  assert.equal(lock.locked(), false);
});

test('an aborted acquire takes nothing and leaves no listener; an aborted signal rejects at once', async () => {
  const lock = new SharedLock();
  const held = lock.tryAcquire()!;
  const controller = new AbortController();
  const waiter = track(lock.acquire({ signal: controller.signal }));
  await nextTurn();
  assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
  controller.abort(new Error('stop'));
  await assert.rejects(waiter.promise, /stop/);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  held.release();
  assert.equal(lock.locked(), false);
  await assert.rejects(lock.acquire({ signal: AbortSignal.abort(new Error('already')) }), /already/);
  assert.equal(lock.locked(), false);
});

test('a release racing an abort: the lock is either handed over or left free, never lost', async () => {
  for (let round = 0; round < 50; round++) {
    const lock = new SharedLock();
    const held = lock.tryAcquire()!;
    const controller = new AbortController();
    const waiter = track(lock.acquire({ signal: controller.signal }));
    await nextTurn();
    held.release();
    controller.abort();
    await nextTurn();
    if (waiter.state === 'fulfilled') {
      assert.equal(lock.locked(), true);
      waiter.value!.release();
    }
    assert.equal(lock.locked(), false);
  }
});

test('acquire rejects with TimeoutError when its timeout passes; acquireSync in a worker throws it', async () => {
  await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  const lock = new SharedLock();
  const held = lock.tryAcquire()!;
  await assert.rejects(lock.acquire({ timeout: 5 }), TimeoutError);
  assert.equal(await pool.submit(tryTimedAcquire, lock, 5), 'TimeoutError');
  held.release();
  assert.equal(await pool.submit(tryTimedAcquire, lock, 5), 'acquired');
});

test('misuse: release when free, blocking on the main thread, bad options, a wrong clone', async () => {
  const lock = new SharedLock();
  assert.throws(() => lock.release(), InvalidStateError);
  assert.throws(() => lock.acquireSync(), /acquireSync\(\) blocks and is not allowed on the main thread; await acquire\(\) instead/);
  await assert.rejects(lock.acquire({ timeout: -1 }), /timeout must be a number >= 0 \(milliseconds\), received -1/);
  assert.throws(() => SharedLock.from({ aioxShared: 'SharedEvent', buffer: new SharedArrayBuffer(8) } as never), /value must be a SharedLock or its structured clone, received an object/);
});

test('a structured clone rebuilt with from() shares the memory; from() returns a SharedLock as is', () => {
  const lock = new SharedLock();
  const clone = structuredClone(lock);
  assert.equal(Object.getPrototypeOf(clone), Object.prototype);
  const revived = SharedLock.from(clone);
  assert.equal(SharedLock.from(lock), lock);
  const held = revived.tryAcquire()!;
  assert.equal(lock.locked(), true);
  held.release();
  assert.equal(lock.locked(), false);
});

test("a handle whose hold release() ended does not free the next holder's lock", async () => {
  const lock = new SharedLock();
  const stale = await lock.acquire();
  lock.release(); // the hold ends here, asyncio style
  const next = lock.tryAcquire()!;
  stale.release(); // later, e.g. through `await using`: must do nothing
  assert.equal(lock.locked(), true);
  assert.equal(lock.tryAcquire(), undefined, 'mutual exclusion held');
  next.release();
  assert.equal(lock.locked(), false);
});

test('from() refuses memory that is not a SharedLock', async () => {
  assert.throws(() => SharedLock.from(handle('SharedLock', noise(8))), /received memory that is not a valid SharedLock: it does not carry the mark of a SharedLock/);
  assert.throws(() => SharedLock.from(handle('SharedLock', new SharedArrayBuffer(8))), /does not carry the mark/);
  const real = new SharedLock();
  assert.throws(() => SharedLock.from(handle('SharedLock', patched(real.buffer, { 0: -5 }))), /its owner word is -5/);
  assert.equal(SharedLock.from(handle('SharedLock', patched(real.buffer, {}))).locked(), false);
});
