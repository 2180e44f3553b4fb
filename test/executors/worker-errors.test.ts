import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BrokenProcessPool, BrokenThreadPool, type WorkerErrorInfo } from 'aiox';
import { Gates } from '../fixtures/gate.js';
import { add, echo, gatedAsync, leaveError, leaveRejection, raiseWhileRunning, whoAmI } from '../fixtures/tasks.js';
import { teachShortTasks } from '../fixtures/teach-short-tasks.js';
import { KINDS, makePool } from './pools.js';

// Errors raised in a worker outside any task's own call: a callback's exception, a rejection with no handler.

interface Reported {
  readonly error: unknown;
  readonly info: WorkerErrorInfo;
}

/**
 * Keeps this program alive while a test waits for news from a worker that holds no task: an idle worker
 * does not (so a program that forgets shutdown() still ends).
 */
function keepAlive(): Disposable {
  const handle = setInterval(() => undefined, 1 << 30);
  return { [Symbol.dispose]: () => clearInterval(handle) };
}

/** An `onWorkerError` that records what it is given, and a promise of the next report. */
function recorder(): { readonly reports: Reported[]; readonly onWorkerError: (error: unknown, info: WorkerErrorInfo) => void; next(): Promise<Reported> } {
  const reports: Reported[] = [];
  let wake: (() => void) | undefined;
  return {
    reports,
    onWorkerError: (error, info) => {
      reports.push({ error, info });
      wake?.();
    },
    async next() {
      const count = reports.length;
      while (reports.length === count) await new Promise<void>((resolve) => (wake = resolve));
      return reports[count]!;
    },
  };
}

/** Teaches `pool` that the tasks these tests send are short, so it sends them to a busy worker in batches. */
function teachPool(pool: ReturnType<typeof makePool>): Promise<number> {
  return teachShortTasks([() => pool.submit(raiseWhileRunning, 'ok'), () => pool.submit(whoAmI), () => pool.submit(echo, 'short')], 50);
}

for (const kind of KINDS) {
  const Broken = kind === 'thread' ? BrokenThreadPool : BrokenProcessPool;

  describe(`${kind} pool: errors raised outside any task`, { timeout: 30_000 }, () => {
    for (const [how, origin, cause, describes] of [
      ['throw', 'uncaughtException', TypeError, /died of an uncaught exception raised outside any task's own call .* while running the task: late boom$/],
      ['reject', 'unhandledRejection', RangeError, /died of an unhandled promise rejection raised outside any task's own call .* while running the task: late rejection$/],
    ] as const) {
      test(`the task running when the worker dies of it (${origin}) fails saying so, with the error as cause`, async () => {
        const gates = new Gates(kind, 2);
        const { reports, onWorkerError } = recorder();
        await using pool = makePool(kind, { maxWorkers: 1, onWorkerError });
        try {
          // The culprit returns; what it left behind fires while the next task runs on the same worker.
          assert.equal(await pool.submit(leaveError, how, gates.handle(0)), 'returned');
          const victim = pool.submit(gatedAsync, gates.handle(1), 'never');
          await gates.started(1);
          await gates.release(0);
          const error = await victim.then(
            () => assert.fail('the victim resolved'),
            (e: unknown) => e,
          );
          assert.ok(error instanceof Broken, String(error));
          assert.match(error.message, describes);
          // The error itself: its class, message and the worker's stack, revived on this side.
          assert.ok(error.cause instanceof cause, String(error.cause));
          assert.equal((error.cause as Error).message, how === 'throw' ? 'late boom' : 'late rejection');
          assert.match((error.cause as Error).stack ?? '', /fixtures\/tasks\.js/);
          assert.equal(reports.length, 1);
          assert.equal(reports[0]!.error, error.cause);
          assert.deepEqual(reports[0]!.info, { origin, fatal: true, tasksFailed: 1 });
          // The pool heals.
          assert.equal(await pool.submit(add, 1, 2), 3);
          assert.equal(pool.state, 'open');
        } finally {
          if (kind === 'thread') await gates.release(1);
          gates.dispose();
        }
      });
    }

    test('tasks handed to the dying worker that it had not begun run on another worker', async () => {
      const { onWorkerError } = recorder();
      await using pool = makePool(kind, { maxWorkers: 1, onWorkerError });
      await teachPool(pool);
      const dead = await pool.submit(whoAmI);
      const dying = pool.submit(raiseWhileRunning, 'throw');
      const behind = [pool.submit(whoAmI), pool.submit(echo, 'b'), pool.submit(whoAmI)];
      // The pool dispatches in a microtask, before any reply can come back.
      await Promise.resolve();
      // All four went to the one worker. (A thread's claims show only which ones it has begun.)
      if (kind === 'process') assert.equal(pool.stats().running, 4);
      await assert.rejects(dying, (e: unknown) => e instanceof Broken && /uncaught exception/.test(e.message));
      const [first, echoed, last] = await Promise.all(behind);
      assert.equal(echoed, 'b');
      assert.notEqual(first, dead);
      assert.equal(first, last);
      const { waitTime: _wait, runTime: _run, ...counts } = pool.stats();
      assert.deepEqual({ ...counts, utilization: 0 }, {
        queued: 0, running: 0, completed: 754, failed: 1, cancelled: 0, workers: 1, idleWorkers: 1, utilization: 0,
      });
    });

    test('shutdown with cancelFutures after such a death: a thread task queued again is cancelled, a process task runs', async () => {
      const { onWorkerError } = recorder();
      const pool = makePool(kind, { maxWorkers: 1, onWorkerError });
      await teachPool(pool);
      const dying = pool.submit(raiseWhileRunning, 'throw');
      const behind = [pool.submit(echo, 'a'), pool.submit(echo, 'b')];
      await Promise.resolve();
      if (kind === 'process') assert.equal(pool.stats().running, 3);
      await assert.rejects(dying, Broken);
      // Queued again, waiting for the replacement worker to start.
      await pool.shutdown({ cancelFutures: true });
      // A process task counts as started once sent to a child, so it cannot be cancelled: it runs.
      if (kind === 'process') assert.deepEqual(await Promise.all(behind), ['a', 'b']);
      else assert.deepEqual(behind.map((f) => f.state), ['cancelled', 'cancelled']);
    });

    test("uncaughtErrors: 'report' keeps the worker and fails no task; onWorkerError gets the error", async () => {
      const gates = new Gates(kind, 2);
      const { onWorkerError, next } = recorder();
      await using pool = makePool(kind, { maxWorkers: 1, uncaughtErrors: 'report', onWorkerError });
      using _alive = keepAlive();
      try {
        const worker = await pool.submit(whoAmI);
        assert.equal(await pool.submit(leaveError, 'throw', gates.handle(0)), 'returned');
        assert.equal(await pool.submit(leaveError, 'reject', gates.handle(1)), 'returned');
        const thrown = next();
        await gates.release(0);
        const first = await thrown;
        const rejected = next();
        await gates.release(1);
        const second = await rejected;
        assert.ok(first.error instanceof TypeError && first.error.message === 'late boom');
        assert.deepEqual(first.info, { origin: 'uncaughtException', fatal: false, tasksFailed: 0 });
        assert.ok(second.error instanceof RangeError && second.error.message === 'late rejection');
        assert.deepEqual(second.info, { origin: 'unhandledRejection', fatal: false, tasksFailed: 0 });
        assert.equal(await pool.submit(whoAmI), worker);
        assert.equal(pool.stats().failed, 0);
      } finally {
        gates.dispose();
      }
    });

    test('without onWorkerError, an error no future carries is written to stderr', async (t) => {
      const gates = new Gates(kind, 1);
      let wake: () => void;
      const once = new Promise<void>((resolve) => (wake = resolve));
      const printed = t.mock.method(console, 'error', () => wake());
      await using pool = makePool(kind, { maxWorkers: 1 });
      using _alive = keepAlive();
      try {
        assert.equal(await pool.submit(leaveError, 'throw', gates.handle(0)), 'returned');
        await gates.release(0);
        // The worker held no task when it died (a sync task it may have been given meanwhile ran to the end,
        // or went back to the queue).
        await once;
        assert.equal(await pool.submit(add, 2, 2), 4);
        const lines = printed.mock.calls.map((call) => call.arguments);
        assert.equal(lines.length, 1);
        assert.match(String(lines[0]![0]), new RegExp(`^aiox: a ${kind} worker died of an error raised outside any task \\(uncaughtException\\):$`));
        assert.ok(lines[0]![1] instanceof TypeError && lines[0]![1].message === 'late boom');
      } finally {
        gates.dispose();
      }
    });

    test('a worker that dies of one before it began any task breaks the pool, as a failing initializer does', async () => {
      const { reports, onWorkerError } = recorder();
      const pool = makePool(kind, { maxWorkers: 2, initializer: leaveRejection, onWorkerError });
      const futures = [pool.submit(add, 1, 1), pool.submit(add, 2, 2)];
      for (const future of futures) {
        await assert.rejects(future, (e: unknown) => e instanceof Broken && /unhandled promise rejection .* before it (was ready|began any task): left by the initializer$/.test(e.message));
      }
      assert.equal(pool.state, 'broken');
      assert.throws(() => pool.submit(add, 1, 1), Broken);
      await pool.shutdown();
      assert.ok(reports.length >= 1 && reports.every(({ info }) => info.fatal && info.origin === 'unhandledRejection'));
    });

    test('the options are validated', () => {
      assert.throws(() => makePool(kind, { uncaughtErrors: 'ignore' as 'exit' }), { name: 'TypeError', message: `uncaughtErrors must be 'exit' or 'report', received "ignore"` });
      assert.throws(() => makePool(kind, { onWorkerError: 'log' as unknown as () => void }), { name: 'TypeError', message: 'onWorkerError must be a function, received "log"' });
    });
  });
}
