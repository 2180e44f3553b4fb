import assert from 'node:assert/strict';
import dc from 'node:diagnostics_channel';
import { test } from 'node:test';
import { BrokenThreadPool, ThreadPoolExecutor, type PoolStats, type WorkerReadyMessage } from 'aiox';
import { Gates } from '../fixtures/gate.js';
import { add, byteLength, gated, gatedExit, hog, mark, whoAmI } from '../fixtures/tasks.js';
import { deferred, nextTurn } from '../fixtures/settle.js';
import { teachShortTasks } from '../fixtures/teach-short-tasks.js';

test('a transfer list moves buffers to the worker instead of copying them', async () => {
  await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  const buffer = new ArrayBuffer(1024);
  const length = await pool.submitWith(byteLength, [buffer], { transfer: [buffer] });
  assert.equal(length, 1024);
  assert.equal(buffer.byteLength, 0);
});

test('a worker out of memory under resourceLimits fails its task; the pool heals', async () => {
  await using pool = new ThreadPoolExecutor({ maxWorkers: 1, resourceLimits: { maxOldGenerationSizeMb: 16 } });
  await assert.rejects(pool.submit(hog), (e: unknown) => e instanceof BrokenThreadPool && /memory/i.test(e.message));
  assert.equal(await pool.submit(add, 1, 2), 3);
});

test('thread-only options are validated', () => {
  assert.throws(() => new ThreadPoolExecutor({ name: 3 as unknown as string }), /name must be a string, received 3/);
  assert.throws(() => new ThreadPoolExecutor({ idleTimeout: -1 }), /idleTimeout must be a number >= 0/);
});

// A gate open from the start: gated and gatedExit pass it at once, as short tasks do.
const open = new Gates('thread', 1);
await open.release(0);

/**
 * Teaches `pool` that the tasks these tests send behind a slow one are short (gated and gatedExit with an
 * open gate), so it sends them to a busy worker in batches: a function not timed yet would go alone. Runs
 * 600 tasks on the pool.
 */
function teachPool(pool: ThreadPoolExecutor): Promise<number> {
  const scratch = new SharedArrayBuffer(4);
  return teachShortTasks([
    () => pool.submit(add, 1, 2),
    () => pool.submit(gated, open.handle(0), 0),
    () => pool.submit(gatedExit, open.handle(0), 0),
    () => pool.submit(mark, scratch, 0),
    () => pool.submit(whoAmI),
    () => pool.submit(byteLength, new ArrayBuffer(8)),
  ], 20);
}

test('an idle thread takes back tasks queued behind a slow one on another thread', { timeout: 30_000 }, async () => {
  const gates = new Gates('thread', 1);
  await using pool = new ThreadPoolExecutor({ maxWorkers: 2 });
  try {
    await teachPool(pool);
    const slow = pool.submit(gated, gates.handle(0), 'slow');
    const quick = Array.from({ length: 40 }, () => pool.submit(whoAmI));
    await gates.started(0);
    // Part of `quick` went out in the slow task's batch. Those finish only if the other, idle, thread takes
    // them back: without that, they would wait for the release below, which comes only after they finish.
    const ranOn = new Set(await Promise.all(quick));
    assert.equal(slow.running(), true);
    assert.equal(ranOn.size, 1);
    await gates.release(0);
    assert.equal(await slow, 'slow');
  } finally {
    gates.dispose();
  }
});

/** The pool's counts: stats() without its time distributions, which no test can predict. */
function counts(pool: ThreadPoolExecutor): Omit<PoolStats, 'waitTime' | 'runTime'> {
  const { waitTime: _wait, runTime: _run, ...rest } = pool.stats();
  return rest;
}

/**
 * Resolves once `count` workers of `pool` are ready for tasks (as told on aiox:worker:ready). Call it right
 * after constructing the pool: its minWorkers start at once, and tell they are ready only on a later turn.
 */
function workersReady(pool: ThreadPoolExecutor, count: number): Promise<void> {
  const { promise, resolve } = deferred<void>();
  let ready = 0;
  const onReady = (message: unknown): void => {
    if ((message as WorkerReadyMessage).pool !== pool || ++ready < count) return;
    dc.unsubscribe('aiox:worker:ready', onReady);
    resolve();
  };
  dc.subscribe('aiox:worker:ready', onReady);
  return promise;
}

/** A one-worker pool that has learnt its tasks are short, so it hands them to the worker in batches. */
async function batchingPool(): Promise<ThreadPoolExecutor> {
  const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  await teachPool(pool);
  return pool;
}

test('a task handed to a worker ahead of time stays pending and cancellable until the worker starts it', { timeout: 30_000 }, async () => {
  const gates = new Gates('thread', 1);
  await using pool = await batchingPool();
  const cells = new SharedArrayBuffer(4 * 10);
  try {
    const slow = pool.submit(gated, gates.handle(0), 'slow');
    // Sent in the same batch as the slow task, behind it: the worker has not started them.
    const behind = Array.from({ length: 10 }, (_, i) => pool.submit(mark, cells, i));
    await gates.started(0);
    assert.equal(slow.running(), true);
    assert.equal(slow.cancel(), false);
    assert.deepEqual(behind.map((f) => f.state), Array(10).fill('pending'));
    assert.deepEqual({ ...counts(pool), utilization: 0, workers: 0, idleWorkers: 0, completed: 0 }, {
      queued: 10, running: 1, completed: 0, failed: 0, cancelled: 0, workers: 0, idleWorkers: 0, utilization: 0,
    });
    assert.deepEqual(behind.slice(0, 5).map((f) => f.cancel()), Array(5).fill(true));
    assert.equal(pool.stats().cancelled, 5);
    await gates.release(0);
    assert.equal(await slow, 'slow');
    assert.deepEqual(await Promise.all(behind.slice(5)), [5, 6, 7, 8, 9]);
    // The cancelled ones never ran.
    assert.deepEqual([...new Int32Array(cells)], [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    assert.equal(await pool.submit(add, 1, 2), 3);
  } finally {
    // Released on failure too, so the pool can shut down.
    await gates.release(0);
    gates.dispose();
  }
});

test('shutdown with cancelFutures also withdraws tasks handed to a worker that has not started them', { timeout: 30_000 }, async () => {
  const gates = new Gates('thread', 1);
  await using pool = await batchingPool();
  const cells = new SharedArrayBuffer(4 * 10);
  try {
    const slow = pool.submit(gated, gates.handle(0), 'slow');
    const behind = Array.from({ length: 10 }, (_, i) => pool.submit(mark, cells, i));
    await gates.started(0);
    const closed = pool.shutdown({ cancelFutures: true });
    assert.deepEqual(behind.map((f) => f.cancelled()), Array(10).fill(true));
    await gates.release(0);
    assert.equal(await slow, 'slow');
    await closed;
    assert.deepEqual([...new Int32Array(cells)], Array(10).fill(0));
  } finally {
    await gates.release(0);
    gates.dispose();
  }
});

test('a task cancelled after it was handed to a worker does not count towards maxTasksPerWorker', { timeout: 30_000 }, async () => {
  const gates = new Gates('thread', 1);
  await using pool = new ThreadPoolExecutor({ maxWorkers: 1, maxTasksPerWorker: 621 });
  const cells = new SharedArrayBuffer(4 * 10);
  try {
    // 600 tasks teach the pool to send tasks in batches; after the next one the worker has 20 left.
    assert.equal(await teachPool(pool), 600);
    const warm = new Set([await pool.submit(whoAmI)]);
    const slow = pool.submit(gated, gates.handle(0), 'slow');
    const behind = Array.from({ length: 10 }, (_, i) => pool.submit(mark, cells, i));
    await gates.started(0);
    assert.deepEqual(behind.map((f) => f.cancel()), Array(10).fill(true));
    await gates.release(0);
    assert.equal(await slow, 'slow');
    // 602 tasks have run on the worker: it runs 19 more, then it is replaced.
    const next = await Promise.all(Array.from({ length: 19 }, () => pool.submit(whoAmI)));
    assert.deepEqual(new Set(next), warm);
    assert.equal(warm.has(await pool.submit(whoAmI)), false);
    assert.deepEqual([...new Int32Array(cells)], Array(10).fill(0));
  } finally {
    await gates.release(0);
    gates.dispose();
  }
});

test('a worker that dies fails only the task it ran; tasks handed to it that it had not started run on another', { timeout: 30_000 }, async () => {
  const gates = new Gates('thread', 1);
  await using pool = await batchingPool();
  const cells = new SharedArrayBuffer(4 * 10);
  try {
    const dying = pool.submit(gatedExit, gates.handle(0), 7);
    // Sent in the same batch, behind it: the worker dies before it starts them.
    const behind = Array.from({ length: 10 }, (_, i) => pool.submit(mark, cells, i));
    await gates.started(0);
    assert.deepEqual(behind.map((f) => f.state), Array(10).fill('pending'));
    await gates.release(0);
    await assert.rejects(dying, (e: unknown) => e instanceof BrokenThreadPool && /code 7/.test(e.message));
    assert.deepEqual(await Promise.all(behind), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual([...new Int32Array(cells)], Array(10).fill(1));
    assert.deepEqual({ ...counts(pool), utilization: 0, workers: 0, idleWorkers: 0, completed: 0 }, {
      queued: 0, running: 0, completed: 0, failed: 1, cancelled: 0, workers: 0, idleWorkers: 0, utilization: 0,
    });
  } finally {
    await gates.release(0);
    gates.dispose();
  }
});

test('a transfer list holds only what a thread can be given; anything else is a TypeError at the call', async () => {
  await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  const { Socket } = await import('node:net');
  const bad: ReadonlyArray<readonly [unknown, string]> = [
    [5, 'received 5'],
    [null, 'received null'],
    [new Uint8Array(4), 'received a Uint8Array (list its .buffer)'],
    [new SharedArrayBuffer(4), 'received a SharedArrayBuffer'],
    [new Socket(), 'received a Socket'],
  ];
  for (const [item, received] of bad) {
    assert.throws(
      () => pool.submitWith(byteLength, [new ArrayBuffer(1)], { transfer: [new ArrayBuffer(1), item] as never }),
      (e: unknown) => e instanceof TypeError && e.message === `transfer[1] must be an ArrayBuffer, a MessagePort or another transferable, ${received}`,
    );
  }
  assert.throws(() => pool.submitWith(byteLength, [new ArrayBuffer(1)], { transfer: 'x' as never }), /^TypeError: transfer must be an array, received "x"$/);
});

test('an idle thread does not take back a task whose transfer list was sent with it', { timeout: 30_000 }, async () => {
  const gates = new Gates('thread', 2);
  await using pool = new ThreadPoolExecutor({ maxWorkers: 2, minWorkers: 2 });
  const bothReady = workersReady(pool, 2);
  try {
    await teachPool(pool);
    // The first worker may have run all of those while the second was still starting. Then it would be sent
    // the slow task too, behind `alone`, which is released only once the slow task has started.
    await bothReady;
    // With both ready and idle, one worker holds `alone`, so the slow task, the first of a batch, goes to the
    // other, idle, one: an abortable task is batched like any other, and would not keep it from the first.
    const alone = pool.submitWith(gated, [gates.handle(1), 'alone'], { signal: new AbortController().signal });
    await gates.started(1);
    const slow = pool.submit(gated, gates.handle(0), 'slow');
    const buffers = Array.from({ length: 8 }, () => new ArrayBuffer(1024));
    const lengths = buffers.map((buffer) => pool.submitWith(byteLength, [buffer], { transfer: [buffer] }));
    await gates.started(0);
    // The first worker goes idle; the engine's next turn would take tasks back from the second.
    await gates.release(1);
    assert.equal(await alone, 'alone');
    await nextTurn();
    await gates.release(0);
    assert.equal(await slow, 'slow');
    // Their buffers went to the second worker with them: sent again, they would arrive empty.
    assert.deepEqual(await Promise.all(lengths), Array(8).fill(1024));
  } finally {
    await gates.release(0);
    await gates.release(1);
    gates.dispose();
  }
});
