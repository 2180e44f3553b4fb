import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BrokenExecutor } from 'aiox';
import { BullMQExecutor, runWorkerHost } from 'aiox/bullmq';
import { square } from '../fixtures/bullmq-tasks.js';
import { REDIS_SERVER, startRedis } from '../fixtures/redis.js';

// Redis going away under a running executor and host: with persistence on, a restart loses nothing; a Redis
// that stays away longer than reconnectTimeout fails the pending futures instead of leaving them hanging.
const TASKS = new URL('../fixtures/bullmq-tasks.js', import.meta.url);

if (REDIS_SERVER !== undefined) {
  test('Redis restarted in the middle of a run: clients reconnect, every future settles with its result', async () => {
    const redis = await startRedis({ persistence: true });
    try {
      // A job whose host lost its answer with the connection is run again once its lock expires: short locks
      // keep the test short.
      const worker = { lockDuration: 1000, stalledInterval: 300 };
      await using _host = await runWorkerHost({ connection: redis.connection, queue: 'restart', tasks: [TASKS], maxWorkers: 2, worker });
      await using executor = new BullMQExecutor({ connection: redis.connection, queue: 'restart', checkInterval: 500 });
      const numbers = Array.from({ length: 40 }, (_, i) => i);
      const before = numbers.map((n) => executor.submit(square, n));
      await before[0];
      // Some jobs are done, some run, some wait, some are still on their way to Redis.
      let during: Promise<number>[] = [];
      await redis.restart(async () => {
        during = numbers.map((n) => executor.submit(square, n));
      });
      assert.deepEqual(await Promise.all([...before, ...during]), [...numbers, ...numbers].map((n) => n * n));
    } finally {
      await redis.stop();
    }
  });

  test('Redis away longer than reconnectTimeout: pending futures fail with BrokenExecutor; once it is back, work runs again', async () => {
    const redis = await startRedis({ persistence: true });
    try {
      await using _host = await runWorkerHost({ connection: redis.connection, queue: 'away', tasks: [TASKS], maxWorkers: 1 });
      await using executor = new BullMQExecutor({ connection: redis.connection, queue: 'away', reconnectTimeout: 300 });
      assert.equal(await executor.submit(square, 2), 4);
      await redis.restart(async () => {
        const stranded = executor.submit(square, 3);
        await assert.rejects(stranded, (error: Error) => error instanceof BrokenExecutor && /unreachable for 300 ms/.test(error.message));
      });
      // A future submitted while the executor's client has yet to reconnect (ioredis waits up to 2 s between
      // two attempts) waits reconnectTimeout for it, then fails as well; one submitted once it has, runs.
      let result: number | undefined;
      while (result === undefined) {
        result = await executor.submit(square, 5).catch((error: unknown) => {
          assert.ok(error instanceof BrokenExecutor, String(error));
          return undefined;
        });
      }
      assert.equal(result, 25);
    } finally {
      await redis.stop();
    }
  });

  test('Redis still away after reconnectTimeout: a future submitted then fails too, once it has waited as long', { timeout: 30_000 }, async () => {
    const redis = await startRedis({ persistence: true });
    // No host serves this queue: a job that was added waits.
    const executor = new BullMQExecutor({ connection: redis.connection, queue: 'still-away', reconnectTimeout: 300 });
    try {
      await executor.attach('warm-up').catch(() => undefined);
      const outcomes: unknown[] = [];
      // Asserted once Redis is back: a failure while it is away would leave it away.
      await redis.restart(async () => {
        outcomes.push(await executor.submit(square, 3).catch((error: unknown) => error));
        // Without the bound, these wait for Redis, which comes back only once they have settled.
        outcomes.push(await executor.submit(square, 4).catch((error: unknown) => error));
        outcomes.push(await executor.attach('another-job').catch((error: unknown) => error));
      });
      for (const outcome of outcomes) assert.ok(outcome instanceof BrokenExecutor && /unreachable for 300 ms/.test(outcome.message), String(outcome));
    } finally {
      await executor.shutdown({ cancelFutures: true });
      await redis.stop();
    }
  });

  test('shutdown while Redis stays away ends once reconnectTimeout has passed: what could not reach it is dropped', { timeout: 30_000 }, async () => {
    const redis = await startRedis();
    try {
      const executor = new BullMQExecutor({ connection: redis.connection, queue: 'gone', reconnectTimeout: 300 });
      const cancelled = executor.submit(square, 1);
      await executor.attach('warm-up').catch(() => undefined);
      await redis.restart(async () => {
        // A job added while Redis is away, and a cancellation of a job, wait in the clients for it.
        const stranded = executor.submit(square, 2);
        assert.ok(!cancelled.done() && cancelled.cancel());
        // Without a bound, this waits for Redis: the test times out.
        await executor.shutdown();
        assert.equal(executor.state, 'closed');
        await assert.rejects(stranded, BrokenExecutor);
      });
    } finally {
      await redis.stop();
    }
  });
}
