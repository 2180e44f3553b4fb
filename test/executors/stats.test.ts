import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TimeDistribution } from 'aiox';
import { Gates } from '../fixtures/gate.js';
import { nextTurn } from '../fixtures/settle.js';
import { add, gated, squareUnless } from '../fixtures/tasks.js';
import { KINDS, makePool } from './pools.js';

function assertOrdered(d: TimeDistribution, count: number): void {
  assert.equal(d.count, count);
  assert.ok(d.mean > 0 && d.p50 > 0, JSON.stringify(d));
  assert.ok(d.p50 <= d.p90 && d.p90 <= d.p99 && d.p99 <= d.max, JSON.stringify(d));
}

for (const kind of KINDS) {
  describe(`${kind} pool: stats() counts items and times`, { timeout: 30_000 }, () => {
    test('a map of 40 items at chunksize 5 counts 40 completed, not 8 chunks', async () => {
      await using pool = makePool(kind, { maxWorkers: 2 });
      let seen = 0;
      for await (const value of pool.map(squareUnless, Array.from({ length: 40 }, (_, i) => i + 4), { chunksize: 5 })) seen += value > 0 ? 1 : 0;
      assert.equal(seen, 40);
      const { completed, failed, cancelled, queued, running } = pool.stats();
      assert.deepEqual({ completed, failed, cancelled, queued, running }, { completed: 40, failed: 0, cancelled: 0, queued: 0, running: 0 });
    });

    test('a chunk that throws counts the items before it completed, itself failed, the rest cancelled', async () => {
      await using pool = makePool(kind, { maxWorkers: 1 });
      // squareUnless throws for 3: the one chunk runs 1 and 2, fails at 3, and never runs 4 and 5.
      await assert.rejects(async () => {
        for await (const value of pool.map(squareUnless, [1, 2, 3, 4, 5], { chunksize: 5 })) void value;
      }, RangeError);
      const { completed, failed, cancelled } = pool.stats();
      assert.deepEqual({ completed, failed, cancelled }, { completed: 2, failed: 1, cancelled: 2 });
    });

    test('queued map chunks count their items', async () => {
      const gates = new Gates(kind, 1);
      const release = (): Promise<void> => gates.release(0);
      await using pool = makePool(kind, { maxWorkers: 1 });
      try {
        const busy = pool.submit(gated, gates.handle(0), 'busy');
        await gates.started(0);
        const mapped = pool.map(squareUnless, [4, 5, 6, 7, 8, 9, 10], { chunksize: 5 });
        const first = mapped.next();
        await nextTurn();
        assert.equal(pool.stats().queued, 7);
        assert.equal(pool.stats().running, 1);
        await release();
        const values = [(await first).value as number];
        for await (const value of mapped) values.push(value);
        assert.equal(values.length, 7);
        assert.equal(await busy, 'busy');
      } finally {
        await release();
        gates.dispose();
      }
    });

    test('a burst times every task while fewer than 64 wait, then one in 16', async () => {
      await using pool = makePool(kind, { maxWorkers: 2 });
      // Submitted in one synchronous burst: nothing leaves the queue before the loop ends.
      const results = Array.from({ length: 1000 }, (_, i) => pool.submit(add, i, 1));
      assert.equal((await Promise.all(results)).length, 1000);
      // The first 64 submits, then every 16th of the other 936.
      assert.equal(pool.stats().waitTime.count, 64 + Math.floor(936 / 16));
    });

    test('waitTime has one sample per task sent, runTime one per reply; both ordered, in ms', async () => {
      await using pool = makePool(kind, { maxWorkers: 1 });
      const empty = pool.stats();
      assert.deepEqual(empty.waitTime, { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 });
      assert.deepEqual(empty.runTime, empty.waitTime);
      // One at a time: each task is sent and answered alone.
      for (let i = 0; i < 3; i++) assert.equal(await pool.submit(add, i, 1), i + 1);
      const { waitTime, runTime } = pool.stats();
      assertOrdered(waitTime, 3);
      assertOrdered(runTime, 3);
    });
  });
}
