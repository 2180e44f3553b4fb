import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ignoresAbort, reasonOnAbort, spinsForever, untilAborted, whereAmI } from '../fixtures/cooperative-tasks.js';
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
