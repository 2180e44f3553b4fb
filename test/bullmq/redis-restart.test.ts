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
      assert.equal(await executor.submit(square, 5), 25);
    } finally {
      await redis.stop();
    }
  });
}
