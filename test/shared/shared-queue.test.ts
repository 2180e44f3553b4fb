import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { handle, noise, patched } from '../fixtures/forged-memory.js';
import { QueueEmpty, QueueFull, QueueShutDown, QueueState, SharedQueue, ThreadPoolExecutor, TimeoutError } from 'aiox';
import { nextTurn, track } from '../fixtures/settle.js';
import { consume, produce, produceAsync, type Item } from '../fixtures/shared-tasks.js';

test('producers and consumers on worker threads pass every item once, in order per producer', { timeout: 60_000 }, async () => {
  await using pool = new ThreadPoolExecutor({ maxWorkers: 4 });
  // Small on purpose: producers wait for room all the time and records wrap around the ring.
  const queue = new SharedQueue<Item>({ maxBytes: 2048 });
  const PER = 3000;
  const consumers = [pool.submit(consume, queue), pool.submit(consume, queue)];
  await Promise.all([pool.submit(produce, queue, 0, PER), pool.submit(produceAsync, queue, 1, PER)]);
  queue.shutdown();
  const taken = await Promise.all(consumers);
  const all = taken.flat();
  assert.equal(all.length, 2 * PER);
  assert.equal(new Set(all).size, 2 * PER, 'no item taken twice');
  for (const seen of taken) {
    for (const producer of [0, 1]) {
      const seqs = seen.filter((key) => key.startsWith(`${producer}:`)).map((key) => Number(key.split(':')[1]));
      assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'each consumer sees a producer in order');
    }
  }
});

test('the main thread consumes with for await while a worker produces', { timeout: 30_000 }, async () => {
  await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  const queue = new SharedQueue<Item>({ maxsize: 3 });
  const producing = pool.submit(produce, queue, 7, 500).then(() => queue.shutdown());
  const seqs: number[] = [];
  for await (const item of queue) seqs.push(item.seq);
  await producing;
  assert.deepEqual(seqs, Array.from({ length: 500 }, (_, i) => i));
});

test('structured-clone values come back whole: maps, dates, typed arrays, nested objects', async () => {
  const queue = new SharedQueue<unknown>({ maxBytes: 256 });
  const values = [new Map([[1, { a: [1, 2] }]]), new Date(0), new Uint8Array([1, 2, 3]), 'x'.repeat(100), undefined, null, 1n];
  for (let round = 0; round < 5; round++) {
    for (const value of values) {
      queue.putNowait(value);
      assert.deepEqual(queue.getNowait(), value);
    }
  }
});

test('nowait variants throw QueueFull / QueueEmpty; maxsize and maxBytes both bound the queue', () => {
  const queue = new SharedQueue<string>({ maxsize: 2, maxBytes: 64 });
  assert.throws(() => queue.getNowait(), QueueEmpty);
  queue.putNowait('a');
  queue.putNowait('b');
  assert.throws(() => queue.putNowait('c'), QueueFull);
  assert.equal(queue.qsize(), 2);
  assert.equal(queue.getNowait(), 'a');
  assert.throws(() => queue.putNowait('y'.repeat(50)), QueueFull);
  assert.throws(() => queue.putNowait('z'.repeat(100)), /value takes \d+ bytes in the queue .* more than maxBytes \(64\)/);
  assert.throws(() => queue.putNowait((() => 1) as never), /could not be cloned/);
  assert.equal(queue.getNowait(), 'b');
  assert.equal(queue.empty(), true);
});

test('an aborted get takes nothing and leaves no listener; a put that cannot fit in time rejects with TimeoutError', async () => {
  const queue = new SharedQueue<number>({ maxsize: 1 });
  const controller = new AbortController();
  const getting = track(queue.get({ signal: controller.signal }));
  await nextTurn();
  controller.abort(new Error('stop'));
  await assert.rejects(getting.promise, /stop/);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  queue.putNowait(1);
  await assert.rejects(queue.put(2, { timeout: 5 }), TimeoutError);
  assert.equal(queue.getNowait(), 1, 'the item put after the aborted get is still there');
  assert.throws(() => queue.getNowait(), QueueEmpty);
});

test('shutdown wakes waiting gets; immediate drops the items; later puts fail', async () => {
  const queue = new SharedQueue<number>();
  const waiting = track(queue.get());
  await nextTurn();
  queue.shutdown();
  await assert.rejects(waiting.promise, QueueShutDown);
  assert.equal(queue.state, QueueState.SHUT_DOWN);
  assert.throws(() => queue.putNowait(1), QueueShutDown);

  const full = new SharedQueue<number>();
  full.putNowait(1);
  full.putNowait(2);
  full.shutdown();
  assert.equal(full.getNowait(), 1, 'a plain shutdown lets the items be taken');
  full.shutdown({ immediate: true });
  assert.equal(full.qsize(), 0);
  assert.throws(() => full.getNowait(), QueueShutDown);
});

test('options are validated; blocking is refused on the main thread; a clone shares the items', () => {
  assert.throws(() => new SharedQueue({ maxBytes: 4 }), /maxBytes must be an integer >= 8, received 4/);
  assert.throws(() => new SharedQueue({ maxsize: -1 }), /maxsize must be an integer >= 0, received -1/);
  const queue = new SharedQueue<string>();
  assert.throws(() => queue.getSync(), /getSync\(\) blocks and is not allowed on the main thread/);
  const clone = SharedQueue.from<string>(structuredClone(queue));
  clone.putNowait('shared');
  assert.equal(queue.getNowait(), 'shared');
  assert.equal(clone.maxBytes, 1 << 20);
});

test('from() refuses memory that is not a SharedQueue, naming the broken invariant', async () => {
  const refused = (buffer: SharedArrayBuffer, problem: RegExp): void =>
    assert.throws(() => SharedQueue.from(handle('SharedQueue', buffer)), (e: Error) => {
      assert.ok(e instanceof TypeError);
      assert.match(e.message, /^value must be a SharedQueue or its structured clone, received memory that is not a valid SharedQueue: /);
      assert.match(e.message, problem);
      return true;
    });
  refused(noise(64 + 4096), /does not carry the mark of a SharedQueue/);
  const real = new SharedQueue<string>({ maxBytes: 4096 });
  real.putNowait('a');
  assert.equal(SharedQueue.from<string>(handle('SharedQueue', patched(real.buffer, {}))).qsize(), 1, 'a faithful copy is accepted');
  refused(patched(real.buffer, { 3: 7 }), /its state is 7/);
  refused(patched(real.buffer, { 4: 1395451447 }), /counts 1395451447 items/);
  refused(patched(real.buffer, { 5: -3 }), /maxsize is -3/);
  refused(patched(real.buffer, { 0: -9 }), /guard word is -9/);
  refused(patched(real.buffer, {}, { 32: 10 }), /ring positions \(10, \d+\)/); // head beyond tail
  refused(patched(real.buffer, {}, { 40: 1e6 }), /ring positions/); // more queued than the ring holds
  refused(patched(real.buffer, {}, { 32: 0.5 }), /ring positions/);
  // A header that passes but a record whose length lies: get refuses it without allocating it.
  const lying = SharedQueue.from<string>(handle('SharedQueue', patched(real.buffer, { 16: 0x7fffffff })));
  assert.throws(() => lying.getNowait(), /a record claims 2147483647 bytes where at most \d+ are queued: the memory is corrupt/);
});
