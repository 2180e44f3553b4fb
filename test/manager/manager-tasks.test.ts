import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BrokenBarrierError, BrokenProcessPool, BrokenThreadPool, ManagedQueue, ProcessPoolExecutor, ThreadPoolExecutor, type Executor } from 'aiox';
import { Manager, managerHost } from '../../src/manager/manager.js';
import type { Host } from '../../src/manager/host.js';
import {
  consume,
  consumeMany,
  holdLock,
  holdLockAndExit,
  holdPermits,
  lockedIncrements,
  nested,
  produce,
  produceMany,
  putOne,
  updateIncrements,
  waitAtBarrier,
  waitForItem,
  waitForItems,
  waitOnCondition,
} from '../fixtures/manager-tasks.js';
import { alive } from '../fixtures/processes.js';

// The manager's proxies passed to thread and process tasks, and what happens when a task's worker dies.

/** Resolves once `predicate` holds for the manager's host, checked after every frame it handles and every peer that leaves. */
function until(manager: Manager, predicate: (host: Host) => boolean): Promise<void> {
  const host = managerHost(manager);
  return new Promise((resolve) => {
    const check = (): void => {
      if (!predicate(host)) return;
      host.onChange = undefined;
      resolve();
    };
    host.onChange = check;
    check();
  });
}

const pools: [string, (options?: { initializer: typeof putOne; initargs: [ManagedQueue<number>] }) => Executor & AsyncDisposable][] = [
  ['threads', (options) => new ThreadPoolExecutor({ maxWorkers: 2, ...options })],
  ['processes', (options) => new ProcessPoolExecutor({ maxWorkers: 2, ...options })],
];

for (const [kind, makePool] of pools) {
  test(`${kind}: a queue between two tasks and the caller; proxies are instances of the task's own aiox classes`, { timeout: 60_000 }, async () => {
    await using manager = new Manager();
    await using pool = makePool();
    const queue = manager.queue<number>({ maxsize: 16 });
    const caller = (async () => {
      let sum = 0;
      for (let i = 0; i < 50; i++) sum += await queue.get();
      return sum;
    })();
    const [isProxy, sum, rest] = await Promise.all([pool.submit(produce, queue, 1, 200), pool.submit(consume, queue, 150), caller]);
    assert.equal(isProxy, true);
    assert.equal(sum + rest, (200 * 201) / 2);
  });

  test(`${kind}: putMany and getMany carry batches between tasks and the caller, in order, under back-pressure`, { timeout: 60_000 }, async () => {
    await using manager = new Manager();
    await using pool = makePool();
    const queue = manager.queue<number>({ maxsize: 8 });
    const [, taken] = await Promise.all([pool.submit(produceMany, queue, 0, 300, 25), pool.submit(consumeMany, queue, 300, 7)]);
    assert.deepEqual(taken, Array.from({ length: 300 }, (_, i) => i));
    const fromCaller = pool.submit(consumeMany, queue, 40, 1000);
    await queue.putMany(Array.from({ length: 40 }, (_, i) => 1000 + i));
    assert.deepEqual(await fromCaller, Array.from({ length: 40 }, (_, i) => 1000 + i));
    assert.equal(await queue.qsize(), 0);
  });

  test(`${kind}: a lock makes read-then-write increments from two tasks and the caller safe; update() is atomic`, { timeout: 60_000 }, async () => {
    await using manager = new Manager();
    await using pool = makePool();
    const lock = manager.lock();
    const counter = manager.value(0);
    const atomic = manager.value(0);
    const caller = (async () => {
      for (let i = 0; i < 50; i++) {
        await using _held = await lock.acquire();
        await counter.set((await counter.get()) + 1);
      }
    })();
    await Promise.all([
      pool.submit(lockedIncrements, lock, counter, 100),
      pool.submit(lockedIncrements, lock, counter, 100),
      pool.submit(updateIncrements, atomic, 100),
      pool.submit(updateIncrements, atomic, 100),
      caller,
    ]);
    assert.equal(await counter.get(), 250);
    assert.equal(await atomic.get(), 200);
  });

  // A worker loads the code that revives proxies only for a task given one (src/worker/proxy-args.ts): the
  // first may come as an initializer's argument or inside a chunk of map's items, not only as a submit's.
  test(`${kind}: proxies given as map's items, in chunks, arrive as proxies`, { timeout: 60_000 }, async () => {
    await using manager = new Manager();
    await using pool = makePool();
    const mapped = manager.queue<number>();
    const results: boolean[] = [];
    for await (const isProxy of pool.map(putOne, [mapped, mapped, mapped, mapped], { chunksize: 2 })) results.push(isProxy);
    assert.deepEqual(results, [true, true, true, true]);
    assert.equal(await mapped.qsize(), 4);
  });

  test(`${kind}: proxies given as an initializer's arguments arrive as proxies`, { timeout: 60_000 }, async () => {
    await using manager = new Manager();
    const initialized = manager.queue<number>();
    await using pool = makePool({ initializer: putOne, initargs: [initialized] });
    assert.equal(await pool.submit((a: number, b: number) => a + b, 1, 2), 3);
    assert.equal(await initialized.get(), 1);
  });

  test(`${kind}: proxies inside a map and a queue come out usable in a task`, { timeout: 60_000 }, async () => {
    await using manager = new Manager();
    await using pool = makePool();
    const out = manager.queue<ManagedQueue<string>>();
    const inbox = manager.queue<ManagedQueue<string>>();
    const queues = manager.map<string, ManagedQueue<unknown>>([['out', out as ManagedQueue<unknown>]]);
    const reply = manager.queue<string>();
    await inbox.put(reply);
    await pool.submit(nested, queues, inbox);
    const back = await out.get();
    assert.ok(back instanceof ManagedQueue);
    assert.equal(await back.get(), 'pong');
  });
}

test('threads: a task stopped by an abort while holding semaphore permits gives them back; the next acquirer learns why', { timeout: 60_000 }, async () => {
  await using manager = new Manager();
  await using pool = new ThreadPoolExecutor({ maxWorkers: 1, abortGrace: 0 });
  const semaphore = manager.semaphore(3);
  const held = manager.event();
  const stop = new AbortController();
  const task = pool.submitWith(holdPermits, [semaphore, 2, held], { signal: stop.signal });
  await held.wait();
  assert.equal(await semaphore.value(), 1);
  stop.abort();
  await assert.rejects(task);
  const all = await semaphore.acquireMany(3);
  assert.equal(all.previousOwnerDied, true);
  await all.release();
});

test('threads: a task whose thread exits while holding the lock frees it for the caller', { timeout: 60_000 }, async () => {
  await using manager = new Manager();
  await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  const lock = manager.lock();
  const held = manager.event();
  const task = pool.submit(holdLockAndExit, lock, held);
  await held.wait();
  const hold = await lock.acquire();
  assert.equal(hold.previousOwnerDied, true);
  await hold.release();
  await assert.rejects(task, BrokenThreadPool);
});

test('processes: a worker killed (SIGKILL) holding the lock: it is released and the next holder learns the owner died', { timeout: 60_000 }, async () => {
  await using manager = new Manager();
  await using pool = new ProcessPoolExecutor({ maxWorkers: 1 });
  const lock = manager.lock();
  const held = manager.queue<number>();
  const task = pool.submit(holdLock, lock, held);
  const pid = await held.get();
  const waiting = lock.acquire();
  process.kill(pid, 'SIGKILL');
  await assert.rejects(task, BrokenProcessPool);
  const hold = await waiting;
  assert.equal(hold.previousOwnerDied, true);
  await hold.release();
  const again = await lock.acquire();
  assert.equal(again.previousOwnerDied, false, 'told once');
  await again.release();
});

// A getter waiting in get() or in getMany(), killed: what is put afterwards goes to the next getter.
for (const [who, waiter] of [['a getter', waitForItem], ['a getMany', waitForItems]] as const) {
  test(`processes: ${who} killed while waiting takes nothing: the items go to the next getter`, { timeout: 60_000 }, async () => {
    await using manager = new Manager();
    await using pool = new ProcessPoolExecutor({ maxWorkers: 1 });
    const queue = manager.queue<string>();
    const pids = manager.queue<number>();
    const task = pool.submit(waiter as typeof waitForItems, queue, pids);
    const pid = await pids.get();
    await until(manager, (host) => host.pendingCalls === 1); // its call is waiting in the manager
    process.kill(pid, 'SIGKILL');
    await assert.rejects(task, BrokenProcessPool);
    await until(manager, (host) => host.peers === 0 || !alive(pid));
    await queue.putMany(['not', 'lost']);
    assert.deepEqual(await queue.getMany({ timeout: 10_000 }), ['not', 'lost']);
  });
}

test('processes: a worker killed while waiting on a condition does not keep its lock', { timeout: 60_000 }, async () => {
  await using manager = new Manager();
  await using pool = new ProcessPoolExecutor({ maxWorkers: 1 });
  const condition = manager.condition();
  const pids = manager.queue<number>();
  const task = pool.submit(waitOnCondition, condition, pids);
  const pid = await pids.get();
  const mine = await condition.acquire(); // granted once the task's wait gave the lock up
  process.kill(pid, 'SIGKILL');
  await assert.rejects(task, BrokenProcessPool);
  await mine.release(); // the dead task's wait takes the lock back, then the manager releases it
  const next = await condition.acquire();
  assert.equal(next.previousOwnerDied, true);
  await next.release();
});

test('processes: a party killed while waiting at a barrier breaks it, so the others do not wait forever', { timeout: 60_000 }, async () => {
  await using manager = new Manager();
  await using pool = new ProcessPoolExecutor({ maxWorkers: 1 });
  const barrier = manager.barrier(3);
  const pids = manager.queue<number>();
  const task = pool.submit(waitAtBarrier, barrier, pids);
  const pid = await pids.get();
  await until(manager, (host) => host.pendingCalls === 1);
  const mine = barrier.wait().catch((error: unknown) => error);
  process.kill(pid, 'SIGKILL');
  await assert.rejects(task, BrokenProcessPool);
  assert.ok((await mine) instanceof BrokenBarrierError);
});

test('threads and processes: one manager serves both at once', { timeout: 60_000 }, async () => {
  await using manager = new Manager();
  await using threads = new ThreadPoolExecutor({ maxWorkers: 1 });
  await using processes = new ProcessPoolExecutor({ maxWorkers: 1 });
  const queue = manager.queue<number>();
  await Promise.all([threads.submit(produce, queue, 0, 100), processes.submit(produce, queue, 100, 100)]);
  assert.equal(await threads.submit(consume, queue, 200), (199 * 200) / 2);
});
