import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BrokenBarrierError,
  InvalidStateError,
  ManagedLock,
  ManagedQueue,
  Manager,
  ManagerShutDown,
  ManagerState,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  TimeoutError,
} from 'aiox';
import { track } from '../fixtures/settle.js';

// The manager's objects used from the caller itself: the same proxies, over the same channel as workers.

test('a queue: FIFO with maxsize, nowait variants, taskDone/join, shutdown, async iteration', async () => {
  await using manager = new Manager();
  const queue = manager.queue<number>({ maxsize: 2 });
  await queue.put(1);
  await queue.putNowait(2);
  assert.equal(await queue.full(), true);
  await assert.rejects(queue.putNowait(3), QueueFull);
  const third = track(queue.put(3));
  assert.equal(await queue.get(), 1);
  await third.promise;
  assert.deepEqual([await queue.getNowait(), await queue.get()], [2, 3]);
  await assert.rejects(queue.getNowait(), QueueEmpty);
  for (let i = 0; i < 3; i++) await queue.taskDone();
  await queue.join({ timeout: 1000 });
  await assert.rejects(queue.taskDone(), InvalidStateError);
  await queue.put(4);
  await queue.shutdown();
  await assert.rejects(queue.put(5), QueueShutDown);
  const seen: number[] = [];
  for await (const item of queue) seen.push(item);
  assert.deepEqual(seen, [4]);
});

test('LIFO and priority queues', async () => {
  await using manager = new Manager();
  const lifo = manager.queue<number>({ order: 'lifo' });
  const priority = manager.queue<[number, string]>({ order: 'priority' });
  for (const n of [1, 2, 3]) await lifo.put(n);
  await priority.put([2, 'later']);
  await priority.put([1, 'sooner']);
  assert.deepEqual([await lifo.get(), await lifo.get(), await lifo.get()], [3, 2, 1]);
  assert.deepEqual(await priority.get(), [1, 'sooner']);
  assert.throws(() => manager.queue({ order: 'random' as 'fifo' }), TypeError);
  assert.throws(() => manager.queue({ maxsize: -1 }), RangeError);
});

test('a timed-out or aborted get takes nothing: the next item goes to the next getter', async () => {
  await using manager = new Manager();
  const queue = manager.queue<string>();
  await assert.rejects(queue.get({ timeout: 1 }), TimeoutError);
  const stop = new AbortController();
  const aborted = track(queue.get({ signal: stop.signal }));
  stop.abort(new Error('left'));
  await assert.rejects(aborted.promise, /left/);
  await queue.put('kept');
  assert.equal(await queue.get(), 'kept');
  await assert.rejects(queue.get({ signal: AbortSignal.abort(new Error('before')) }), /before/);
  assert.equal(await queue.qsize(), 0);
});

test('an event: set, clear, wait with a timeout', async () => {
  await using manager = new Manager();
  const event = manager.event();
  assert.equal(await event.wait({ timeout: 0 }), false);
  const waiting = event.wait();
  await event.set();
  assert.equal(await waiting, true);
  assert.equal(await event.isSet(), true);
  await event.clear();
  assert.equal(await event.wait({ timeout: 1 }), false);
});

test('a lock: one holder at a time, a hold releases once, release() of a free lock fails', async () => {
  await using manager = new Manager();
  const lock = manager.lock();
  assert.ok(lock instanceof ManagedLock);
  const first = await lock.acquire();
  assert.equal(first.previousOwnerDied, false);
  const second = track(lock.acquire());
  await assert.rejects(lock.acquire({ timeout: 1 }), TimeoutError);
  assert.equal(second.settled, false);
  await first.release();
  await first.release();
  const held = await second.promise;
  assert.equal(await lock.locked(), true);
  await held[Symbol.asyncDispose]();
  assert.equal(await lock.locked(), false);
  await assert.rejects(lock.release(), InvalidStateError);
});

test('a semaphore: acquireMany is all or nothing; bounded refuses an extra release', async () => {
  await using manager = new Manager();
  const semaphore = manager.semaphore(3);
  const two = await semaphore.acquireMany(2);
  assert.equal(await semaphore.value(), 1);
  await assert.rejects(semaphore.acquireMany(2, { timeout: 1 }), TimeoutError);
  assert.equal(await semaphore.value(), 1, 'the timed-out request took nothing');
  await two.release();
  assert.equal(await semaphore.value(), 3);
  const bounded = manager.semaphore(1, { bounded: true });
  await assert.rejects(bounded.release(), InvalidStateError);
});

test('a condition: wait gives the lock up and takes it back; waitFor runs its predicate here', async () => {
  await using manager = new Manager();
  const condition = manager.condition();
  const ready = manager.value(false);
  await condition.acquire();
  const waiter = (async () => {
    await using _held = await condition.acquire();
    return await condition.waitFor(() => ready.get());
  })();
  assert.equal(await condition.wait({ timeout: 1 }), false, 'timed out, holding the lock again');
  await ready.set(true);
  await condition.notifyAll();
  await condition.release();
  assert.equal(await waiter, true);
  await assert.rejects(condition.notify(), InvalidStateError);
});

test('a barrier: indexes; a timed-out party withdraws; abort breaks it', async () => {
  await using manager = new Manager();
  const barrier = manager.barrier(2);
  assert.deepEqual((await Promise.all([barrier.wait(), barrier.wait()])).sort(), [0, 1]);
  const three = manager.barrier(3);
  const waiting = three.wait();
  await assert.rejects(three.wait({ timeout: 1 }), TimeoutError);
  assert.equal(await three.nWaiting(), 1, 'the timed-out party withdrew without breaking the barrier');
  await three.abort();
  await assert.rejects(waiting, BrokenBarrierError);
  assert.equal(await three.broken(), true);
});

test('a value: get, set, and update() as a compare-and-set loop that loses no update', async () => {
  await using manager = new Manager();
  const value = manager.value({ n: 0 });
  await Promise.all(Array.from({ length: 50 }, () => value.update(async (v) => ({ n: v.n + 1 }))));
  assert.deepEqual(await value.get(), { n: 50 });
  await value.set({ n: -1 });
  assert.deepEqual(await value.get(), { n: -1 });
});

test('a map: entries in and out, proxies among its values come out usable', async () => {
  await using manager = new Manager();
  const queue = manager.queue<string>();
  const map = manager.map<string, unknown>([['a', 1]]);
  await map.set('queue', queue);
  assert.equal(await map.size(), 2);
  const again = (await map.get('queue')) as ManagedQueue<string>;
  assert.ok(again instanceof ManagedQueue);
  await again.put('through the map');
  assert.equal(await queue.get(), 'through the map');
  assert.deepEqual(await map.keys(), ['a', 'queue']);
  assert.equal(await map.delete('a'), true);
  await assert.rejects(map.get({} as string), TypeError);
  await map.clear();
  assert.equal(await map.has('queue'), false);
});

test('a value that cannot be cloned fails its own call only', async () => {
  await using manager = new Manager();
  const queue = manager.queue<unknown>();
  const bad = queue.put(() => 'a function');
  const good = queue.put('fine');
  await assert.rejects(bad, /could not be cloned/);
  await good;
  assert.equal(await queue.get(), 'fine');
});

test('after shutdown every call fails with ManagerShutDown, pending ones too', async () => {
  const manager = new Manager();
  const queue = manager.queue<number>();
  await queue.put(1);
  const pending = queue.join();
  await manager.shutdown();
  await manager.shutdown();
  assert.equal(manager.state, ManagerState.SHUT_DOWN);
  await assert.rejects(pending, ManagerShutDown);
  await assert.rejects(queue.get(), ManagerShutDown);
  await assert.rejects(queue.get(), /shut down/);
  assert.throws(() => manager.lock(), ManagerShutDown);
});
