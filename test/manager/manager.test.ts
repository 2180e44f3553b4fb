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

/** A queue's two ways to take: one item, or a batch (here of at most one). */
const takers: [string, (queue: ManagedQueue<string>, options: { timeout?: number; signal?: AbortSignal }) => Promise<string | undefined>][] = [
  ['get', (queue, options) => queue.get(options)],
  ['getMany', async (queue, options) => (await queue.getMany({ ...options, max: 1 }))[0]],
];

for (const [name, take] of takers) {
  test(`a timed-out or aborted ${name} takes nothing: the next item goes to the next getter`, async () => {
    await using manager = new Manager();
    const queue = manager.queue<string>();
    await assert.rejects(take(queue, { timeout: 1 }), TimeoutError);
    const stop = new AbortController();
    const aborted = track(take(queue, { signal: stop.signal }));
    stop.abort(new Error('left'));
    await assert.rejects(aborted.promise, /left/);
    await queue.put('kept');
    assert.equal(await take(queue, {}), 'kept');
    await assert.rejects(take(queue, { signal: AbortSignal.abort(new Error('before')) }), /before/);
    assert.equal(await queue.qsize(), 0);
  });
}

test('putMany and getMany: a batch in order, back-pressure item by item, max, any iterable, bad arguments', async () => {
  await using manager = new Manager();
  const queue = manager.queue<number>({ maxsize: 3 });
  await queue.putMany([]);
  const five = track(queue.putMany([1, 2, 3, 4, 5]));
  assert.deepEqual(await queue.getMany({ max: 2 }), [1, 2]); // room for 4 and 5, which are put in order
  await five.promise;
  assert.deepEqual(await queue.getMany(), [3, 4, 5]);
  await queue.putMany(new Set([6, 7]));
  await queue.putMany((function* () {
    yield 8;
  })());
  assert.deepEqual(await queue.getMany({ max: Infinity }), [6, 7, 8]);
  const waiting = track(queue.getMany({ max: 10 }));
  await queue.put(9);
  assert.deepEqual(await waiting.promise, [9]); // resolves with what is there, without waiting for 10
  await assert.rejects(queue.putMany(5 as unknown as number[]), { name: 'TypeError', message: 'items must be an iterable, received 5' });
  await assert.rejects(queue.putMany(null as unknown as number[]), TypeError);
  await assert.rejects(queue.getMany({ max: 0 }), { name: 'RangeError', message: 'max must be an integer >= 1, received 0' });
  await assert.rejects(queue.getMany({ max: 1.5 }), RangeError);
  await assert.rejects(queue.getMany(null as unknown as object), TypeError);
  const lifo = manager.queue<number>({ order: 'lifo' });
  await lifo.putMany([1, 2, 3]);
  assert.deepEqual(await lifo.getMany(), [3, 2, 1]);
  const priority = manager.queue<number>({ order: 'priority' });
  await priority.putMany([5, 1, 3]);
  assert.deepEqual(await priority.getMany({ max: 2 }), [1, 3]);
});

test('putMany stopped by its timeout or signal rejects and leaves the items already put', async () => {
  await using manager = new Manager();
  const queue = manager.queue<number>({ maxsize: 2 });
  await assert.rejects(queue.putMany([1, 2, 3, 4], { timeout: 1 }), TimeoutError);
  assert.deepEqual(await queue.getMany(), [1, 2]);
  const stop = new AbortController();
  const stopped = track(queue.putMany([5, 6, 7, 8], { signal: stop.signal }));
  assert.deepEqual(await queue.getMany({ max: 1 }), [5]); // makes room for 7; 8 waits
  stop.abort(new Error('enough'));
  await assert.rejects(stopped.promise, /enough/);
  assert.deepEqual(await queue.getMany(), [6, 7]);
  assert.equal(await queue.qsize(), 0);
});

test('putMany and getMany after a shutdown: puts fail, the items left can still be taken, then gets fail', async () => {
  await using manager = new Manager();
  const queue = manager.queue<number>();
  await queue.putMany([1, 2]);
  await queue.shutdown();
  await assert.rejects(queue.putMany([3]), QueueShutDown);
  assert.deepEqual(await queue.getMany(), [1, 2]);
  await assert.rejects(queue.getMany(), QueueShutDown);
  const waiting = manager.queue<number>();
  const pending = track(waiting.getMany());
  await waiting.shutdown();
  await assert.rejects(pending.promise, QueueShutDown);
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
