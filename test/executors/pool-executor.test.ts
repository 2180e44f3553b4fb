import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, test } from 'node:test';
import { CancelledError, ThreadPoolExecutor, run } from 'aiox';
import { Gates } from '../fixtures/gate.js';
import { announceThenSpin } from '../fixtures/tasks.js';
import { KINDS, makePool } from './pools.js';

describe('the signal option of a pool', { timeout: 60_000 }, () => {
  for (const kind of KINDS) {
    test(`${kind}: aborting it fails the running task with its reason, cancels the queued ones, closes the pool`, async () => {
      const gates = new Gates(kind, 1);
      const controller = new AbortController();
      const pool = makePool(kind, { maxWorkers: 1, signal: controller.signal });
      try {
        const running = pool.submit(announceThenSpin, gates.handle(0));
        const queued = pool.submit((n: number) => n, 1);
        await gates.started(0);
        const reason = new Error('stop everything');
        controller.abort(reason);
        await assert.rejects(running, (error) => error === reason);
        await assert.rejects(queued, CancelledError);
        assert.throws(() => pool.submit((n: number) => n, 2), /after shutdown/);
        await pool.shutdown();
        assert.equal(pool.state, 'closed');
        assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
      } finally {
        await pool.shutdown();
        gates.dispose();
      }
    });
  }

  test('a pool given an aborted signal is shut down from the start', async () => {
    const pool = new ThreadPoolExecutor({ signal: AbortSignal.abort() });
    assert.throws(() => pool.submit((n: number) => n, 1), /after shutdown/);
    await pool.shutdown();
  });

  test('a bad signal is refused', () => {
    assert.throws(() => new ThreadPoolExecutor({ signal: 3 as unknown as AbortSignal }), /^TypeError: signal must be an AbortSignal, received 3$/);
  });

  test('inside run, a pool follows run\'s signal unless told otherwise (signal: null)', async () => {
    const gates = new Gates('thread', 2);
    let followed!: ThreadPoolExecutor;
    let independent!: ThreadPoolExecutor;
    // Stops the task the interrupt leaves running, at the end.
    const cleanup = new AbortController();
    try {
      const outcome = await run(async (signal) => {
        followed = new ThreadPoolExecutor({ maxWorkers: 1 });
        independent = new ThreadPoolExecutor({ maxWorkers: 1, signal: null });
        const stopped = followed.submit(announceThenSpin, gates.handle(0));
        const kept = independent.submitWith(announceThenSpin, [gates.handle(1)], { signal: cleanup.signal });
        await gates.started(0);
        await gates.started(1);
        // What Ctrl-C does to run, without a real signal.
        process.emit('SIGINT', 'SIGINT');
        await assert.rejects(stopped, (error) => error === signal.reason);
        assert.equal(kept.running(), true);
        assert.equal(independent.state, 'open');
        kept.catch(() => undefined);
        return 'done';
      });
      assert.equal(outcome, 'done');
      assert.equal(process.exitCode, 130);
    } finally {
      process.exitCode = undefined;
      await followed?.shutdown();
      cleanup.abort();
      await independent?.shutdown();
      gates.dispose();
    }
  });
});
