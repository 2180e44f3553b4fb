import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, test } from 'node:test';
import { InvalidStateError, QueueFull, type Future, type ProcessPoolExecutor, type ThreadPoolExecutor } from 'aiox';
import { Gates } from '../fixtures/gate.js';
import { add, gated } from '../fixtures/tasks.js';
import { nextTurn, track } from '../fixtures/settle.js';
import { KINDS, makePool, type Kind } from './pools.js';

/** Whether `promise` has settled once the current turn's microtasks and one more turn have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  const tracked = track(promise);
  await nextTurn();
  return tracked.settled;
}

interface BusyPool extends AsyncDisposable {
  readonly pool: ThreadPoolExecutor | ProcessPoolExecutor;
  /** The task that holds the pool's one worker until `release()`; it returns 'busy'. */
  readonly busy: Future<unknown>;
  release(): Promise<void>;
}

/**
 * A pool of one worker, busy with a task held at a gate, so that what is submitted next waits in the queue.
 * Disposing it releases the gate (again: a failed assertion fails fast instead of hanging), removes the
 * gates, and shuts the pool down.
 */
async function busyPool(kind: Kind, maxQueue: number): Promise<BusyPool> {
  const gates = new Gates(kind, 1);
  const pool = makePool(kind, { maxWorkers: 1, maxQueue });
  const busy = pool.submit(gated, gates.handle(0), 'busy');
  await gates.started(0);
  return {
    pool,
    busy,
    release: () => gates.release(0),
    [Symbol.asyncDispose]: async () => {
      await gates.release(0);
      gates.dispose();
      await pool.shutdown();
    },
  };
}

for (const kind of KINDS) {
  describe(`${kind} pool: maxQueue and room()`, { timeout: 30_000 }, () => {
    test('producers that each await room() and then submit are never refused, however many there are', async () => {
      await using pool = makePool(kind, { maxWorkers: 1, maxQueue: 2 });
      const producer = async (p: number): Promise<number[]> => {
        const futures = [];
        for (let i = 0; i < 25; i++) {
          await pool.room();
          futures.push(pool.submit(add, p * 100, i)); // would throw QueueFull if room() let too many through
        }
        return Promise.all(futures);
      };
      const results = await Promise.all([0, 1, 2, 3].map(producer));
      assert.deepEqual(results, [0, 1, 2, 3].map((p) => Array.from({ length: 25 }, (_, i) => p * 100 + i)));
    });

    test('a producer let through by room() that does not submit leaves its place to the next one', async () => {
      await using pool = makePool(kind, { maxWorkers: 1, maxQueue: 1 });
      await pool.room(); // let through, and never submits
      // The place is held for it during this turn only; then the next producer gets it.
      await pool.room();
      assert.equal(await pool.submit(add, 1, 2), 3);
    });

    test('maxQueue must be an integer >= 1 or Infinity', async () => {
      assert.throws(() => makePool(kind, { maxQueue: 0 }), { name: 'RangeError', message: 'maxQueue must be an integer >= 1, received 0' });
      assert.throws(() => makePool(kind, { maxQueue: 1.5 }), /maxQueue must be an integer >= 1, received 1.5/);
      await makePool(kind, { maxQueue: Infinity }).shutdown();
    });

    test('submit throws QueueFull when maxQueue tasks wait; room() resolves once a worker takes one', async () => {
      await using held = await busyPool(kind, 2);
      const { pool, busy, release } = held;
      // The worker holds a task never timed: nothing joins it, so these two wait in the queue.
      const queued = [pool.submit(add, 1, 1), pool.submit(add, 2, 2)];
      assert.throws(() => pool.submit(add, 3, 3), (error: unknown) => {
        assert.ok(error instanceof QueueFull);
        assert.equal((error as QueueFull).code, 'ERR_AIOX_QUEUE_FULL');
        assert.match((error as Error).message, /maxQueue 2.*room\(\)/);
        return true;
      });
      const room = pool.room();
      assert.equal(await settled(room), false);
      await release();
      await room;
      const late = pool.submit(add, 3, 3);
      assert.deepEqual(await Promise.all([busy, ...queued, late]), ['busy', 2, 4, 6]);
    });

    test('producers waiting for room are let through in the order they came', async () => {
      await using held = await busyPool(kind, 1);
      const { pool, busy, release } = held;
      const first = pool.submit(add, 0, 0);
      const order: number[] = [];
      const results: Promise<number>[] = [];
      const producers = [1, 2, 3].map(async (n) => {
        await pool.room();
        order.push(n);
        results.push(Promise.resolve(pool.submit(add, n, 0)));
      });
      assert.equal(await settled(Promise.all(producers)), false);
      await release();
      await Promise.all(producers);
      assert.deepEqual(order, [1, 2, 3]);
      assert.deepEqual(await Promise.all([busy, first, ...results]), ['busy', 0, 1, 2, 3]);
    });

    test('a producer woken for room that does not submit leaves the room to the next one', async () => {
      await using held = await busyPool(kind, 1);
      const { pool, busy, release } = held;
      const queued = pool.submit(add, 1, 1);
      const idle = pool.room(); // woken first, and then submits nothing
      const next = pool.room();
      assert.equal(queued.cancel(), true);
      await idle;
      // The worker is still busy, so no reply comes to look at the queue again: the engine must.
      assert.equal(await settled(next), true);
      await next;
      const late = pool.submit(add, 2, 2);
      await release();
      assert.deepEqual(await Promise.all([busy, late]), ['busy', 4]);
    });

    test('a task whose signal is already aborted is not refused by a full queue: its future fails', async () => {
      await using held = await busyPool(kind, 1);
      const { pool, busy, release } = held;
      const queued = pool.submit(add, 1, 1);
      const reason = new Error('aborted before');
      const aborted = pool.submitWith(add, [2, 2], { signal: AbortSignal.abort(reason) });
      await assert.rejects(aborted, (error) => error === reason);
      await release();
      assert.deepEqual(await Promise.all([busy, queued]), ['busy', 2]);
    });

    test('an aborted room() rejects with the reason and leaves no listener', async () => {
      await using held = await busyPool(kind, 1);
      const { pool, busy, release } = held;
      const queued = pool.submit(add, 1, 1);
      const controller = new AbortController();
      const room = pool.room({ signal: controller.signal });
      assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
      const reason = new Error('stop waiting');
      controller.abort(reason);
      await assert.rejects(room, (error) => error === reason);
      assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
      await assert.rejects(pool.room({ signal: AbortSignal.abort(reason) }), (error) => error === reason);
      assert.throws(() => pool.room({ signal: 'no' as unknown as AbortSignal }), /signal must be an AbortSignal/);
      await release();
      assert.deepEqual(await Promise.all([busy, queued]), ['busy', 2]);
    });

    test('shutdown() rejects a waiting room() and every later one with InvalidStateError', async () => {
      await using held = await busyPool(kind, 1);
      const { pool, busy, release } = held;
      const queued = pool.submit(add, 1, 1);
      const room = pool.room();
      const closed = pool.shutdown();
      await assert.rejects(room, InvalidStateError);
      await assert.rejects(pool.room(), InvalidStateError);
      await release();
      assert.deepEqual(await Promise.all([busy, queued]), ['busy', 2]);
      await closed;
    });

    test("a producer waiting in room() when the pool's signal stops it gets the signal's reason", async () => {
      // Under run(), that reason is the interrupt's AbortError, which run() reads as a cancellation.
      const gates = new Gates(kind, 1);
      const controller = new AbortController();
      const pool = makePool(kind, { maxWorkers: 1, maxQueue: 1, signal: controller.signal });
      try {
        const busy = pool.submit(gated, gates.handle(0), 'busy');
        await gates.started(0);
        const queued = pool.submit(add, 1, 1);
        const room = pool.room();
        // The same signal given to room() too: its listener comes after the pool's, which stops the pool first.
        const roomWithSignal = pool.room({ signal: controller.signal });
        const reason = new Error('stop everything');
        controller.abort(reason);
        await assert.rejects(room, (error) => error === reason);
        await assert.rejects(roomWithSignal, (error) => error === reason);
        await assert.rejects(busy, (error) => error === reason);
        assert.equal(queued.cancelled(), true);
        await assert.rejects(pool.room(), InvalidStateError);
        await pool.shutdown();
      } finally {
        gates.dispose();
      }
    });

    test('map is never refused by maxQueue, and its queued chunks take room', async () => {
      await using held = await busyPool(kind, 2);
      const { pool, busy, release } = held;
      const mapped = pool.map((n: number) => n + 1, [1, 2, 3, 4, 5]);
      const first = mapped.next();
      assert.equal(await settled(first), false);
      assert.throws(() => pool.submit(add, 1, 1), QueueFull);
      await release();
      const values = [(await first).value as number];
      for await (const value of mapped) values.push(value);
      assert.deepEqual(values, [2, 3, 4, 5, 6]);
      assert.equal(await busy, 'busy');
    });
  });
}
