import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { InvalidStateError, Queue, QueueEmpty, QueueFull, QueueShutDown } from 'aiox';
import { nextTurn, track } from '../fixtures/settle.js';

test('items come out first in first out', async () => {
  const q = new Queue<number>();
  for (const n of [1, 2, 3]) await q.put(n);
  assert.equal(q.qsize(), 3);
  assert.deepEqual([await q.get(), q.getNowait(), await q.get()], [1, 2, 3]);
  assert.equal(q.empty(), true);
});

test('getNowait on an empty queue throws QueueEmpty; putNowait on a full one throws QueueFull', () => {
  const q = new Queue<number>({ maxsize: 1 });
  assert.throws(() => q.getNowait(), QueueEmpty);
  q.putNowait(1);
  assert.equal(q.full(), true);
  assert.throws(() => q.putNowait(2), QueueFull);
  assert.equal(q.qsize(), 1);
});

test('get waits for an item; put waits for room, and waiting puts keep their order', async () => {
  const q = new Queue<string>({ maxsize: 1 });
  const got = track(q.get());
  await nextTurn();
  assert.equal(got.state, 'pending');
  await q.put('a');
  await nextTurn();
  assert.equal(got.value, 'a');
  await q.put('b');
  const c = track(q.put('c'));
  const d = track(q.put('d'));
  await nextTurn();
  assert.equal(c.state, 'pending');
  assert.throws(() => q.putNowait('x'), QueueFull, 'a newcomer may not overtake waiting puts');
  assert.equal(q.getNowait(), 'b');
  await nextTurn();
  assert.equal(c.state, 'fulfilled');
  assert.equal(d.state, 'pending');
  assert.deepEqual([await q.get(), await q.get()], ['c', 'd']);
});

test('an aborted get loses no item: an item put before the abort is delivered', async () => {
  const q = new Queue<number>();
  const controller = new AbortController();
  const got = track(q.get({ signal: controller.signal }));
  q.putNowait(1);
  controller.abort();
  await nextTurn();
  assert.equal(got.value, 1);
  assert.equal(q.qsize(), 0);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
});

test('an aborted get loses no item: an item put after the abort stays in the queue', async () => {
  const q = new Queue<number>();
  const controller = new AbortController();
  const got = track(q.get({ signal: controller.signal }));
  const reason = new Error('gave up');
  controller.abort(reason);
  q.putNowait(1);
  await nextTurn();
  assert.equal(got.reason, reason);
  assert.equal(q.qsize(), 1);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  assert.equal(await q.get(), 1);
});

test('an aborted put adds nothing and gives up its place in line', async () => {
  const q = new Queue<number>({ maxsize: 1 });
  q.putNowait(1);
  const controller = new AbortController();
  const first = track(q.put(2, { signal: controller.signal }));
  const second = track(q.put(3));
  controller.abort();
  await nextTurn();
  assert.equal(first.state, 'rejected');
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  assert.equal(q.getNowait(), 1);
  await nextTurn();
  assert.equal(second.state, 'fulfilled');
  assert.equal(q.getNowait(), 3);
  assert.equal(q.empty(), true);
});

test('join waits until taskDone was called for every item put', async () => {
  const q = new Queue<number>();
  await q.join();
  q.putNowait(1);
  q.putNowait(2);
  const joined = track(q.join());
  q.getNowait();
  q.taskDone();
  await nextTurn();
  assert.equal(joined.state, 'pending');
  q.getNowait();
  q.taskDone();
  await nextTurn();
  assert.equal(joined.state, 'fulfilled');
  assert.throws(() => q.taskDone(), InvalidStateError);
});

test('an aborted join leaves no listener', async () => {
  const q = new Queue<number>();
  q.putNowait(1);
  const controller = new AbortController();
  const joined = track(q.join({ signal: controller.signal }));
  controller.abort();
  await nextTurn();
  assert.equal(joined.state, 'rejected');
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
});

test('shutdown fails waiting and later puts; gets take what is left and then fail', async () => {
  const q = new Queue<number>({ maxsize: 2 });
  q.putNowait(1);
  q.putNowait(2);
  const blockedPut = track(q.put(3));
  q.shutdown();
  await nextTurn();
  assert.ok(blockedPut.reason instanceof QueueShutDown);
  assert.throws(() => q.putNowait(4), QueueShutDown);
  await assert.rejects(q.put(4), QueueShutDown);
  assert.deepEqual([await q.get(), q.getNowait()], [1, 2]);
  await assert.rejects(q.get(), QueueShutDown);
  assert.throws(() => q.getNowait(), QueueShutDown);
});

test('shutdown fails waiting gets', async () => {
  const q = new Queue<number>();
  const blockedGet = track(q.get());
  await nextTurn();
  q.shutdown();
  await nextTurn();
  assert.ok(blockedGet.reason instanceof QueueShutDown);
});

test('shutdown({ immediate: true }) drops the items, counts them as done, and fails gets at once', async () => {
  const q = new Queue<number>();
  q.putNowait(1);
  q.putNowait(2);
  q.getNowait();
  const joined = track(q.join());
  q.shutdown({ immediate: true });
  assert.equal(q.qsize(), 0);
  await assert.rejects(q.get(), QueueShutDown);
  q.taskDone(); // the one item taken before the shutdown
  await nextTurn();
  assert.equal(joined.state, 'fulfilled');
});

test('the queue is an async iterable that ends when it is shut down and empty', async () => {
  const q = new Queue<number>();
  const seen: number[] = [];
  const consumer = (async () => {
    for await (const n of q) seen.push(n);
  })();
  q.putNowait(1);
  q.putNowait(2);
  await nextTurn();
  q.putNowait(3);
  q.shutdown();
  await consumer;
  assert.deepEqual(seen, [1, 2, 3]);
});

test('maxsize must be an integer >= 0', () => {
  assert.throws(() => new Queue({ maxsize: -1 }), { name: 'RangeError', message: 'maxsize must be an integer >= 0, received -1' });
  assert.throws(() => new Queue({ maxsize: 1.5 }), RangeError);
  assert.equal(new Queue().maxsize, Infinity);
  assert.equal(new Queue({ maxsize: 3 }).maxsize, 3);
});
