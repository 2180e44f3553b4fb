import assert from 'node:assert/strict';
import { once, type EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import type { PoolEngine } from '../../src/pool/engine.js';
import type { PoolListener } from '../../src/pool/pool-watch.js';
import { PoolEventEmitter, watchEngine } from '../../src/executors/pool-events.js';
import { Gates } from '../fixtures/gate.js';
import { catchUncaught, nextTurn } from '../fixtures/settle.js';
import { add, exitWith, gated } from '../fixtures/tasks.js';
import { KINDS, makePool } from './pools.js';


class Emitter extends PoolEventEmitter {}

describe('pool events: the engine is watched only while a pool event has a listener', () => {
  test('on, once, off and removeAllListeners turn the watch on and off; a once listener that fired turns it off', () => {
    const watched: (PoolListener | undefined)[] = [];
    const emitter = new Emitter();
    watchEngine(emitter, { watch: (listener: PoolListener | undefined) => watched.push(listener) } as unknown as PoolEngine);
    assert.equal(watched.length, 0);
    const idle = (): void => undefined;
    emitter.on('idle', idle).on('drain', idle);
    assert.equal(watched.length, 1);
    emitter.off('idle', idle);
    assert.equal(watched.length, 1);
    emitter.off('drain', idle);
    assert.deepEqual(watched.slice(1), [undefined]);
    // Another name (node:events' once() adds an 'error' listener beside its own) does not watch.
    (emitter as unknown as EventEmitter).on('error', idle);
    assert.equal(watched.length, 2);
    let fired = 0;
    emitter.once('idle', () => fired++);
    watched[2]!.idle();
    watched[2]!.idle();
    assert.equal(fired, 1);
    assert.deepEqual(watched.slice(3), [undefined]);
    // removeAllListeners() leaves the pool's own hooks: a listener added later is still heard.
    emitter.on('workerError', idle);
    emitter.removeAllListeners();
    assert.deepEqual(watched.slice(5), [undefined]);
    emitter.on('drain', idle);
    assert.equal(watched.length, 7);
  });
});

for (const kind of KINDS) {
  describe(`${kind} pool: drain, idle and workerError events`, { timeout: 30_000 }, () => {
    test('drain and idle fire once per transition, drain first, idle once every task is done', async () => {
      // One worker: no task is taken back from a busy worker for an idle one, which queues it again.
      await using pool = makePool(kind, { maxWorkers: 1 });
      const events: string[] = [];
      let futures: Promise<unknown>[] = [];
      let doneAtIdle: boolean[] = [];
      pool.on('drain', () => events.push('drain'));
      pool.on('idle', () => {
        events.push('idle');
        doneAtIdle = futures.map((f) => (f as ReturnType<typeof pool.submit>).done());
      });
      for (let round = 1; round <= 3; round++) {
        const idle = once(pool, 'idle');
        futures = Array.from({ length: 20 }, (_, i) => pool.submit(add, i, round));
        await idle;
        assert.deepEqual(doneAtIdle, futures.map(() => true));
        await nextTurn();
        assert.deepEqual(events, Array.from({ length: round }, () => ['drain', 'idle']).flat());
      }
      assert.equal(pool.listenerCount('idle'), 1);
    });

    test('drain fires each time the queue empties, though tasks still run; idle once they are done', async () => {
      const gates = new Gates(kind, 1);
      await using pool = makePool(kind, { maxWorkers: 1 });
      const events: string[] = [];
      pool.on('drain', () => events.push('drain')).on('idle', () => events.push('idle'));
      try {
        const busy = pool.submit(gated, gates.handle(0), 'busy');
        await gates.started(0);
        assert.deepEqual(events, ['drain']);
        // Sent to the busy worker behind its task (the queue empties again now), or kept queued until it is
        // free (then): either way the queue empties a second time, and the pool is idle once, at the end.
        const after = [pool.submit(add, 1, 1), pool.submit(add, 2, 2)];
        await nextTurn();
        assert.equal(events.includes('idle'), false);
        await gates.release(0);
        assert.deepEqual(await Promise.all([busy, ...after]), ['busy', 2, 4]);
        await nextTurn();
        assert.deepEqual(events, ['drain', 'drain', 'idle']);
      } finally {
        await gates.release(0);
        gates.dispose();
      }
    });

    test('workerError: a worker that dies is reported once, with a Broken error and what it held', async () => {
      await using pool = makePool(kind, { maxWorkers: 1 });
      const reports: [Error, unknown][] = [];
      pool.on('workerError', (error, info) => reports.push([error, info]));
      const died = once(pool, 'workerError');
      await assert.rejects(pool.submit(exitWith, 3));
      await died;
      assert.equal(reports.length, 1);
      const [error, info] = reports[0]!;
      assert.equal(error.name, kind === 'thread' ? 'BrokenThreadPool' : 'BrokenProcessPool');
      assert.match(error.message, new RegExp(`^${kind} worker \\d+ exited with code 3$`));
      assert.deepEqual(info, { workerId: (info as { workerId: number }).workerId, code: 3, signal: null, tasksFailed: 1 });
      // The pool healed; a worker stopped on purpose is no error.
      assert.equal(await pool.submit(add, 1, 2), 3);
      await pool.shutdown();
      assert.equal(reports.length, 1);
    });

    test('a listener that throws: raised as an uncaught exception on the next tick; the pool goes on', async (t) => {
      const caught = catchUncaught(t);
      await using pool = makePool(kind, { maxWorkers: 1 });
      let idles = 0;
      pool.on('idle', () => {
        idles++;
        throw new Error('listener bug');
      });
      assert.equal(await pool.submit(add, 1, 2), 3);
      await nextTurn();
      assert.equal(await pool.submit(add, 2, 2), 4);
      await nextTurn();
      assert.equal(idles, 2);
      assert.deepEqual(caught.map((e) => (e as Error).message), ['listener bug', 'listener bug']);
    });

    test('off: a removed listener hears nothing', async () => {
      await using pool = makePool(kind, { maxWorkers: 1 });
      let idles = 0;
      const onIdle = (): void => void idles++;
      pool.on('idle', onIdle);
      await pool.submit(add, 1, 2);
      await nextTurn();
      pool.off('idle', onIdle);
      assert.equal(pool.listenerCount('idle'), 0);
      await pool.submit(add, 1, 2);
      await nextTurn();
      assert.equal(idles, 1);
    });
  });
}
