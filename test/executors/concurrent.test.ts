import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventEmitter, once } from 'node:events';
import { ignoresAbort, untilAborted, whereAmI } from '../fixtures/cooperative-tasks.js';
import { THREAD_POOL, generateInThread } from 'aiox';
import { blockOn, doubleLater, gated, idLater, maybeLater, workerForever, workerOf } from '../fixtures/concurrent-tasks.js';
import { Gates } from '../fixtures/gate.js';
import { KINDS, makePool } from './pools.js';

// Several async tasks per worker (concurrentTasksPerWorker): a task that awaits goes on in the background
// while its worker begins the next ones. Every test waits for a task's 'started' event before it acts.

/** An hour: long enough that a test would hang, not pass, if the pool waited for the grace to end. */
const HOUR = 3_600_000;

/** Collects the events of tasks by name, so that a test can wait for one. */
class Events extends EventEmitter {
  /** An onEvent for the task called `name`. */
  of(name: string): (event: unknown) => void {
    return (event) => this.emit(`${name}:${String(event)}`);
  }

  next(name: string, event: string): Promise<unknown[]> {
    return once(this, `${name}:${event}`);
  }
}

describe('concurrentTasksPerWorker', () => {
  test('is an integer >= 1', () => {
    for (const kind of KINDS) {
      assert.throws(() => makePool(kind, { concurrentTasksPerWorker: 0 }), RangeError);
      assert.throws(() => makePool(kind, { concurrentTasksPerWorker: 1.5 }), RangeError);
    }
  });

  for (const kind of KINDS) {
    describe(kind, () => {
      test('one worker runs two async tasks at once; the second settles first, its reports before its result', async () => {
        const gates = new Gates(kind, 2);
        try {
          await using pool = makePool(kind, { maxWorkers: 1, concurrentTasksPerWorker: 2 });
          const events = new Events();
          const seen: unknown[] = [];
          const started = [events.next('a', 'started'), events.next('b', 'started')];
          const a = pool.submitWith(gated, [gates.handle(0), 'a'], { onEvent: events.of('a') });
          const b = pool.submitWith(gated, [gates.handle(1), 'b'], { onEvent: (event) => seen.push(event) && events.of('b')(event) });
          await Promise.all(started);
          assert.equal(pool.stats().running, 2);
          assert.equal(pool.stats().idleWorkers, 0);
          await gates.release(1);
          const second = await b;
          assert.deepEqual(seen, ['started', 'released'], 'every event of b arrived before its result');
          assert.equal(second.value, 'b');
          assert.equal(second.most, 2, 'both ran at once');
          assert.equal(a.done(), false, 'a still waits for its gate');
          await gates.release(0);
          const first = await a;
          assert.equal(first.value, 'a');
          assert.equal(first.worker, second.worker);
          assert.equal(pool.stats().running, 0);
          assert.equal(pool.stats().completed, 2);
        } finally {
          gates.dispose();
        }
      });

      test('never more than concurrentTasksPerWorker at once; the one behind starts when one settles', async () => {
        const gates = new Gates(kind, 3);
        try {
          await using pool = makePool(kind, { maxWorkers: 1, concurrentTasksPerWorker: 2 });
          const events = new Events();
          const started = ['a', 'b', 'c'].map((name) => events.next(name, 'started'));
          const futures = ['a', 'b', 'c'].map((name, i) => pool.submitWith(gated, [gates.handle(i), name], { onEvent: events.of(name) }));
          // The worker begins tasks in order: a and b run; c can begin only once one of them settles.
          await Promise.all(started.slice(0, 2));
          await gates.release(0);
          await gates.release(1);
          await Promise.all(started);
          await gates.release(2);
          const results = await Promise.all(futures);
          assert.deepEqual(results.map((r) => r.value), ['a', 'b', 'c']);
          assert.equal(Math.max(...results.map((r) => r.most)), 2);
        } finally {
          gates.dispose();
        }
      });

      test('aborting one task never fails the one running beside it, and the worker is kept', async () => {
        const gates = new Gates(kind, 1);
        try {
          await using pool = makePool(kind, { maxWorkers: 1, concurrentTasksPerWorker: 2, abortGrace: HOUR });
          const before = await pool.submit(whereAmI);
          const events = new Events();
          const started = [events.next('aborted', 'started'), events.next('beside', 'started')];
          const controller = new AbortController();
          const aborted = pool.submitWith(untilAborted, [], { signal: controller.signal, onEvent: events.of('aborted') });
          const beside = pool.submitWith(gated, [gates.handle(0), 'beside'], { onEvent: events.of('beside') });
          await Promise.all(started);
          controller.abort();
          await assert.rejects(aborted, { name: 'AbortError' });
          await gates.release(0);
          assert.equal((await beside).value, 'beside');
          const after = await pool.submit(whereAmI);
          assert.equal(after.worker, before.worker, 'the same worker: not restarted');
          assert.equal(after.cleanups, before.cleanups + 1, 'the aborted task cleaned up');
        } finally {
          gates.dispose();
        }
      });

      test('a task that ignores its abort past the grace stops its worker: the task beside it fails with the Broken error naming it, the one not begun runs elsewhere', async () => {
        const gates = new Gates(kind, 1);
        try {
          await using pool = makePool(kind, { maxWorkers: 1, concurrentTasksPerWorker: 2, abortGrace: 1 });
          const first = await pool.submit(whereAmI);
          const events = new Events();
          const started = [events.next('stubborn', 'started'), events.next('beside', 'started')];
          const controller = new AbortController();
          const stubborn = pool.submitWith(ignoresAbort, [], { signal: controller.signal, onEvent: events.of('stubborn') });
          const beside = pool.submitWith(gated, [gates.handle(0), 'beside'], { onEvent: events.of('beside') });
          await Promise.all(started);
          // Both lanes are taken: this one waits, and has not begun when the worker stops.
          const behind = pool.submit(whereAmI);
          controller.abort();
          await assert.rejects(stubborn, { name: 'AbortError' });
          const Broken = kind === 'thread' ? 'BrokenThreadPool' : 'BrokenProcessPool';
          await assert.rejects(beside, (error: Error) => {
            assert.equal(error.name, Broken);
            assert.match(error.message, /because task \d+\.\d+, which it ran beside this task, was aborted and did not settle within the pool's abortGrace/);
            return true;
          });
          assert.notEqual((await behind).worker, first.worker, 'it ran on the replacement');
        } finally {
          // Not released: the task holding the gate died with its worker.
          gates.dispose();
        }
      });

      test('a task that waits for a lane has not begun: when the worker is stopped for a task beside it, it runs elsewhere', async () => {
        const gates = new Gates(kind, 1);
        try {
          await using pool = makePool(kind, { maxWorkers: 1, concurrentTasksPerWorker: 2, abortGrace: 1 });
          // Timed as instant, so that the next two travel in one batch.
          for (let i = 0; i < 5; i++) await pool.submit(maybeLater, null, 'warm');
          const events = new Events();
          const controller = new AbortController();
          const stubbornStarted = events.next('stubborn', 'started');
          const stubborn = pool.submitWith(ignoresAbort, [], { signal: controller.signal, onEvent: events.of('stubborn') });
          await stubbornStarted;
          const keep = new AbortController();
          const laterStarted = events.next('later', 'started');
          const later = pool.submitWith(maybeLater, [gates.handle(0), 'later'], { signal: keep.signal, onEvent: events.of('later') });
          // Behind `later`, which takes the second lane: it waits, not begun.
          const waiting = pool.submitWith(maybeLater, [null, 'waiting'], { signal: keep.signal });
          await laterStarted;
          controller.abort();
          await assert.rejects(stubborn, { name: 'AbortError' });
          await assert.rejects(later, /which it ran beside this task, was aborted/);
          assert.equal(await waiting, 'waiting');
        } finally {
          gates.dispose();
        }
      });

      test('an async function that calls currentTask() in every item of a map chunk running on gets its own context', async () => {
        await using pool = makePool(kind, { maxWorkers: 1, concurrentTasksPerWorker: 2 });
        const out: string[] = [];
        for await (const value of pool.map(idLater, [1, 2, 3, 4], { chunksize: 4 })) out.push(value);
        assert.equal(out.length, 4);
        assert.deepEqual(out.map((v) => v.split('@')[0]), ['1', '2', '3', '4']);
      });

      test('map runs an async function over its items with chunks running at once, in order', async () => {
        await using pool = makePool(kind, { maxWorkers: 1, concurrentTasksPerWorker: 4 });
        const items = Array.from({ length: 50 }, (_, i) => i);
        const doubled: number[] = [];
        for await (const value of pool.map(doubleLater, items, { chunksize: 3 })) doubled.push(value);
        assert.deepEqual(doubled, items.map((i) => 2 * i));
      });
    });
  }

  test('aborting a task running on never revokes the later task that reuses its claim', async () => {
    // A thread worker's claims are a ring of 8192 cells: task 8192 on a worker uses task 0's cell.
    const gates = new Gates('thread', 1);
    try {
      await using pool = makePool('thread', { maxWorkers: 1, concurrentTasksPerWorker: 4, abortGrace: 1 });
      const events = new Events();
      const controller = new AbortController();
      const started = events.next('first', 'started');
      const first = pool.submitWith(untilAborted, [], { signal: controller.signal, onEvent: events.of('first') });
      await started;
      const quick: Promise<number>[] = [];
      for (let i = 1; i <= 8180; i++) quick.push(pool.submit(workerOf));
      await Promise.all(quick);
      // Timed as instant, so that the last two travel together and the last is sent while the one before blocks.
      for (let i = 0; i < 10; i++) await pool.submit(blockOn, null);
      const blocking = pool.submit(blockOn, gates.handle(0));
      const reusing = pool.submit(workerOf);
      await gates.started(0);
      controller.abort();
      await assert.rejects(first, { name: 'AbortError' });
      await assert.rejects(blocking, /which it ran beside this task, was aborted/);
      assert.equal(typeof (await reusing), 'number', 'it ran (on the replacement), not dropped');
    } finally {
      gates.dispose();
    }
  });

  test('a generator task running on keeps its worker to itself: other tasks go to another worker', async () => {
    THREAD_POOL.initialize({ maxWorkers: 2, concurrentTasksPerWorker: 4 });
    try {
      const generator = generateInThread(workerForever);
      const { value: generatorWorker } = await generator.next();
      const other = await THREAD_POOL.pool.submit(workerOf);
      assert.notEqual(other, generatorWorker);
      await generator.return(undefined);
    } finally {
      await THREAD_POOL.shutdown();
    }
  });
});
