import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BrokenProcessPool } from 'aiox';
import { exitWhenAsked, logRun } from '../fixtures/abort-tasks.js';
import { hearsThenGoesOn, ignoresAbort, reasonOnAbort, spinsForever, untilAborted, whereAmI } from '../fixtures/cooperative-tasks.js';
import { Gates } from '../fixtures/gate.js';
import { loadedSlowly } from '../fixtures/slow-load-tasks.js';
import { KINDS, makePool } from './pools.js';

// Cooperative cancellation, then forced (DESIGN.md, decision 9): an aborted task that runs sees its signal
// abort; if it settles within the pool's abortGrace its worker is kept, else the worker is stopped. Each
// test aborts a task only once the task said it runs (its 'started' event).

/** An hour: long enough that a test would hang, not pass, if the pool waited for the grace to end. */
const HOUR = 3_600_000;

describe('cooperative cancellation', () => {
  for (const kind of KINDS) {
    describe(kind, () => {
      test('a task that settles on its signal keeps its worker: its cleanup ran there, and the next task runs there', async () => {
        await using pool = makePool(kind, { maxWorkers: 1, abortGrace: HOUR });
        const before = await pool.submit(whereAmI);
        const controller = new AbortController();
        const future = pool.submitWith(untilAborted, [], { signal: controller.signal, onEvent: () => controller.abort() });
        await assert.rejects(future, { name: 'AbortError' });
        const after = await pool.submit(whereAmI);
        assert.equal(after.worker, before.worker, 'the same worker: not restarted');
        assert.equal(after.cleanups, before.cleanups + 1, 'the task cleaned up');
      });

      test('the task\'s signal carries the reason of the abort, as the future does', async () => {
        await using pool = makePool(kind, { maxWorkers: 1, abortGrace: HOUR });
        const controller = new AbortController();
        const future = pool.submitWith(untilAborted, [], { signal: controller.signal, onEvent: () => controller.abort(new RangeError('enough')) });
        await assert.rejects(future, { name: 'RangeError', message: 'enough' });
        assert.equal((await pool.submit(whereAmI)).lastReason, 'RangeError: enough');
      });

      test('the future fails at the moment of the abort, not after the grace', async () => {
        const pool = makePool(kind, { maxWorkers: 1, abortGrace: HOUR });
        try {
          const controller = new AbortController();
          let doneAtAbort: boolean | undefined;
          const future = pool.submitWith(ignoresAbort, [], {
            signal: controller.signal,
            onEvent: () => {
              controller.abort();
              doneAtAbort = future.done();
            },
          });
          await assert.rejects(future, { name: 'AbortError' });
          assert.equal(doneAtAbort, true);
        } finally {
          await pool.terminateWorkers();
        }
      });

      test('a task that ignores its signal loses its worker once the grace is over; the next task runs on a new one', async () => {
        await using pool = makePool(kind, { maxWorkers: 1, abortGrace: 1 });
        const before = await pool.submit(whereAmI);
        const controller = new AbortController();
        const future = pool.submitWith(ignoresAbort, [], { signal: controller.signal, onEvent: () => controller.abort() });
        await assert.rejects(future, { name: 'AbortError' });
        const after = await pool.submit(whereAmI);
        assert.notEqual(after.worker, before.worker);
        assert.equal(after.cleanups, 0);
      });

      test('synchronous code that never yields is still stopped, under the default grace', async () => {
        await using pool = makePool(kind, { maxWorkers: 1 });
        const before = await pool.submit(whereAmI);
        const controller = new AbortController();
        const future = pool.submitWith(spinsForever, [], { signal: controller.signal, onEvent: () => controller.abort() });
        await assert.rejects(future, { name: 'AbortError' });
        assert.notEqual((await pool.submit(whereAmI)).worker, before.worker);
      });

      test('abortGrace 0 stops the worker at once, even for a task that would settle on its signal', async () => {
        await using pool = makePool(kind, { maxWorkers: 1, abortGrace: 0 });
        const before = await pool.submit(whereAmI);
        const controller = new AbortController();
        const future = pool.submitWith(untilAborted, [], { signal: controller.signal, onEvent: () => controller.abort() });
        await assert.rejects(future, { name: 'AbortError' });
        const after = await pool.submit(whereAmI);
        assert.notEqual(after.worker, before.worker);
        assert.equal(after.cleanups, 0, 'it was never told');
      });

      test('shutdown with cancelFutures aborts the signal of a running task, which settles as it chooses', async () => {
        const pool = makePool(kind, { maxWorkers: 1 });
        let started!: () => void;
        const running = new Promise<void>((resolve) => (started = resolve));
        const future = pool.submitWith(reasonOnAbort, [], { onEvent: () => started() });
        const queued = pool.submit(whereAmI);
        await running;
        await pool.shutdown({ cancelFutures: true });
        assert.equal(await future, 'the pool is shutting down with cancelFutures');
        assert.equal(queued.cancelled(), true);
      });

      test('tasks queued behind an aborted one run, whatever becomes of its worker', async () => {
        await using pool = makePool(kind, { maxWorkers: 1, abortGrace: 1 });
        const controller = new AbortController();
        const stopped = pool.submitWith(ignoresAbort, [], { signal: controller.signal, onEvent: () => controller.abort() });
        const behind = Array.from({ length: 20 }, () => pool.submit(whereAmI));
        await assert.rejects(stopped, { name: 'AbortError' });
        assert.equal((await Promise.all(behind)).length, 20);
      });
    });
  }

  test('shutdown with cancelFutures: process tasks sent behind a running one, asked to stop before they began, fail with its reason', async () => {
    // A process's tasks count as begun once sent, so they are asked to stop like the running one; the child
    // skips one asked before it began. Its future must settle then: with the shutdown's reason.
    const gates = new Gates('process', 1);
    try {
      const pool = makePool('process', { maxWorkers: 1 });
      // Timed as quick, so that the tasks below go to the worker as one batch.
      for (let i = 0; i < 12; i++) {
        await pool.submit(hearsThenGoesOn, null);
        await pool.submit(whereAmI);
      }
      let started!: () => void;
      let aborted!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      const heard = new Promise<void>((resolve) => (aborted = resolve));
      const first = pool.submitWith(hearsThenGoesOn, [gates.handle(0)], { onEvent: (event) => (event === 'started' ? started() : aborted()) });
      const behind = [0, 1, 2].map(() => pool.submit(whereAmI));
      await running;
      assert.deepEqual(behind.map((f) => f.running()), [true, true, true], 'sent to the child with the running task');
      const closed = pool.shutdown({ cancelFutures: true });
      // The child has read the aborts (sent in order, the running task's first) before the gate opens.
      await heard;
      await gates.release(0);
      await closed;
      assert.equal(await first, 'released');
      assert.deepEqual(behind.map((f) => f.done()), [true, true, true], 'settled by the time the pool closed');
      for (const outcome of await Promise.allSettled(behind)) {
        assert.equal(outcome.status, 'rejected');
        assert.equal((outcome as PromiseRejectedResult).reason.message, 'the pool is shutting down with cancelFutures');
      }
    } finally {
      gates.dispose();
    }
  });

  test('shutdown with cancelFutures: process tasks asked to stop before they began, whose child then dies, fail with its reason and never run', async () => {
    // The running task ends its child when asked to stop. The tasks behind it, which the child had not begun
    // (its stash file says so), would have been skipped by the child: they do not run on a new one instead.
    const gates = new Gates('process', 1);
    const dir = mkdtempSync(join(tmpdir(), 'aiox-runs-'));
    const log = join(dir, 'runs.txt');
    writeFileSync(log, '');
    const pool = makePool('process', { maxWorkers: 1 });
    try {
      for (let i = 0; i < 12; i++) {
        await pool.submit(exitWhenAsked, null, 3);
        await pool.submit(logRun, log, -1);
      }
      const first = pool.submitWith(exitWhenAsked, [gates.handle(0), 3], { timeout: HOUR });
      const behind = [0, 1].map((i) => pool.submitWith(logRun, [log, i], { timeout: HOUR }));
      await gates.started(0);
      assert.deepEqual(behind.map((f) => f.running()), [true, true], 'sent to the child with the running task');
      const closed = pool.shutdown({ cancelFutures: true });
      await assert.rejects(first, BrokenProcessPool);
      for (const outcome of await Promise.allSettled(behind)) {
        assert.equal(outcome.status, 'rejected');
        assert.equal((outcome as PromiseRejectedResult).reason.message, 'the pool is shutting down with cancelFutures');
      }
      await closed;
      assert.deepEqual(readFileSync(log, 'utf8').split('\n').filter((line) => line !== '' && line !== '-1'), []);
    } finally {
      // Closed already unless an assertion failed early: then its child, held at the gate, is killed.
      await pool.killWorkers();
      gates.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a thread task that never read its signal is stopped at once, whatever the grace: nothing could ask it', async () => {
    await using pool = makePool('thread', { maxWorkers: 1, abortGrace: HOUR });
    const before = await pool.submit(whereAmI);
    const controller = new AbortController();
    const future = pool.submitWith(ignoresAbort, [], { signal: controller.signal, onEvent: () => controller.abort() });
    await assert.rejects(future, { name: 'AbortError' });
    // With an hour's grace, this would wait an hour if the worker were not stopped at once.
    assert.notEqual((await pool.submit(whereAmI)).worker, before.worker);
  });

  test('a process task that never read its signal is stopped at once, whatever the grace: nothing could ask it', async () => {
    await using pool = makePool('process', { maxWorkers: 1, abortGrace: HOUR });
    const before = await pool.submit(whereAmI);
    const controller = new AbortController();
    // It emits 'started' without reading its signal; a task with a signal runs in a guarded batch, so the
    // child's stash file shows it begun, and shows no mark of a read signal.
    const future = pool.submitWith(ignoresAbort, [], { signal: controller.signal, onEvent: () => controller.abort() });
    await assert.rejects(future, { name: 'AbortError' });
    // With an hour's grace, this would wait an hour if the worker were not stopped at once.
    assert.notEqual((await pool.submit(whereAmI)).worker, before.worker);
  });

  test('a process task aborted while its module loads is skipped and keeps its worker, whatever the grace', async (t) => {
    // The module's loading says so in a file, then waits for the file `go` (see slow-load-tasks.ts).
    const dir = mkdtempSync(join(tmpdir(), 'aiox-slow-load-'));
    process.env.AIOX_TEST_LOAD_DIR = dir;
    t.after(() => {
      delete process.env.AIOX_TEST_LOAD_DIR;
      rmSync(dir, { recursive: true, force: true });
    });
    const loading = new Promise<void>((resolve) => {
      const watcher = watch(dir, (_, name) => {
        if (name !== 'loading') return;
        watcher.close();
        resolve();
      });
    });
    await using pool = makePool('process', { maxWorkers: 1, abortGrace: HOUR });
    const controller = new AbortController();
    const future = pool.submitWith(loadedSlowly, [], { signal: controller.signal });
    await loading;
    // Its child has marked it as begun in its stash file, but it has not begun: it must get its grace (and
    // answer at once, skipped), not be taken for a task that never read its signal and killed.
    controller.abort();
    await assert.rejects(future, { name: 'AbortError' });
    writeFileSync(join(dir, 'go'), '');
    const pid = await pool.submit(loadedSlowly);
    const loads = readFileSync(join(dir, 'loading'), 'utf8').trim().split('\n').map(Number);
    assert.deepEqual(loads, [pid], 'one child, which loaded the module once and ran the next task');
  });

  test('abortGrace must be a number of milliseconds >= 0', () => {
    for (const abortGrace of [-1, Number.NaN, '100']) {
      assert.throws(() => makePool('thread', { abortGrace: abortGrace as number }), { name: 'RangeError', message: /abortGrace/ });
    }
  });
});
