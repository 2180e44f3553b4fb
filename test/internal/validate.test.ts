import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Barrier,
  BoundedSemaphore,
  Condition,
  Event,
  ExecutorPool,
  Future,
  LifoQueue,
  Lock,
  PriorityQueue,
  ProcessPoolExecutor,
  Queue,
  Semaphore,
  SharedCondition,
  SharedEvent,
  SharedLock,
  SharedQueue,
  SharedSemaphore,
  TaskGroup,
  ThreadPoolExecutor,
  asCompleted,
  collect,
  every,
  generateInThread,
  inProcess,
  inThread,
  rateLimited,
  resolve,
  run,
  runSync,
  schedule,
  sleep,
  timeout,
  wait,
} from 'aiox';

const MESSAGE = /^options must be an object, received (null|42)$/;

/** Calls `call` and checks that it refuses its options, by a throw or a rejection, with the one formula. */
async function refuses(label: string, call: () => unknown): Promise<void> {
  let outcome: unknown;
  try {
    outcome = call();
  } catch (error) {
    assert.ok(error instanceof TypeError, `${label}: ${String(error)}`);
    assert.match(error.message, MESSAGE, label);
    return;
  }
  await assert.rejects(Promise.resolve(outcome), (error: Error) => error instanceof TypeError && MESSAGE.test(error.message), label);
}

test('every API that takes options refuses null or a number with one message formula', async () => {
  const bad = null as never;
  const cond = new Condition();
  await cond.acquire();
  const sharedCond = new SharedCondition();
  await sharedCond.acquire();
  await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  const calls: [string, () => unknown][] = [
    ['new Queue', () => new Queue(bad)],
    ['new Queue(42)', () => new Queue(42 as never)],
    ['new LifoQueue', () => new LifoQueue(bad)],
    ['new PriorityQueue', () => new PriorityQueue(bad)],
    ['queue.put', () => new Queue().put(1, bad)],
    ['queue.get', () => new Queue().get(bad)],
    ['queue.join', () => new Queue().join(bad)],
    ['queue.shutdown', () => new Queue().shutdown(bad)],
    ['lock.acquire', () => new Lock().acquire(bad)],
    ['semaphore.acquire', () => new Semaphore().acquire(bad)],
    ['semaphore.acquireMany', () => new Semaphore().acquireMany(1, bad)],
    ['boundedSemaphore.acquireMany', () => new BoundedSemaphore().acquireMany(1, bad)],
    ['condition.wait', () => cond.wait(bad)],
    ['condition.waitFor', () => cond.waitFor(() => true, bad)],
    ['event.wait', () => new Event().wait(bad)],
    ['barrier.wait', () => new Barrier(2).wait(bad)],
    ['new TaskGroup', () => new TaskGroup(bad)],
    ['TaskGroup.run', () => TaskGroup.run(() => {}, bad)],
    ['sleep', () => sleep(1, bad)],
    ['timeout', () => timeout(1, () => 1, bad)],
    ['every', () => every(1, () => {}, bad)],
    ['wait', () => wait([new Future()], bad)],
    ['asCompleted', () => asCompleted([new Future()], bad)],
    ['collect', () => collect([], bad)],
    ['resolve', () => resolve([], bad)],
    ['schedule', () => schedule(async () => 1, bad)],
    ['rateLimited', () => rateLimited(bad)],
    ['run', () => run(() => 1, bad)],
    ['runSync.with', () => runSync.with(bad)],
    ['inThread.with', () => inThread.with(bad)],
    ['inProcess.with', () => inProcess.with(bad)],
    ['generateInThread.with', () => generateInThread.with(bad)],
    ['new ThreadPoolExecutor', () => new ThreadPoolExecutor(bad)],
    ['new ProcessPoolExecutor', () => new ProcessPoolExecutor(bad)],
    ['pool.submitWith', () => pool.submitWith((x: number) => x, [1], bad)],
    ['pool.map', () => pool.map((x: number) => x, [1], bad)],
    ['pool.shutdown', () => pool.shutdown(bad)],
    ['new ExecutorPool().shutdown', () => new ExecutorPool(() => pool, {}).shutdown(bad)],
    ['new SharedQueue', () => new SharedQueue(bad)],
    ['sharedQueue.put', () => new SharedQueue().put(1, bad)],
    ['sharedQueue.get', () => new SharedQueue().get(bad)],
    ['sharedQueue.shutdown', () => new SharedQueue().shutdown(bad)],
    ['sharedLock.acquire', () => new SharedLock().acquire(bad)],
    ['sharedSemaphore.acquire', () => new SharedSemaphore().acquire(bad)],
    ['sharedEvent.wait', () => new SharedEvent().wait(bad)],
    ['sharedCondition.wait', () => sharedCond.wait(bad)],
    ['sharedCondition.waitFor', () => sharedCond.waitFor(() => true, bad)],
  ];
  for (const [label, call] of calls) await refuses(label, call);
  cond.release();
  sharedCond.release();
});
