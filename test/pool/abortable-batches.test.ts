import assert from 'node:assert/strict';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BrokenProcessPool, type Future } from 'aiox';
import { exitNow, exitWhenAsked, hang, holdUntil, killSelf, logRun, stopsWhenAsked } from '../fixtures/abort-tasks.js';
import { Gates } from '../fixtures/gate.js';
import { add, announceThenSpin, echo, gated, whoAmI } from '../fixtures/tasks.js';
import { KINDS, makePool } from '../executors/pools.js';
import { enableMockTimers } from '../fixtures/quiet.js';
import { nextTurn } from '../fixtures/settle.js';
// Internal: the test reads a child's stash file as the engine does (built from the sources, see build/src/).
import { readStashFile } from '../../src/wire/stash-file.js';

// A task with a signal or a timeout travels in batches like any other. These tests stop one in the middle of
// its batch and check that its batch-mates are neither lost, nor run twice, nor failed for it.

type Pool = ReturnType<typeof makePool>;

/** A file each logRun task appends its index to: how many times each task ran, in any worker. */
function runLog(): { path: string; runs(): Map<number, number>; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'aiox-runs-'));
  const path = join(dir, 'runs.txt');
  writeFileSync(path, '');
  return {
    path,
    runs: () => {
      const counts = new Map<number, number>();
      for (const line of readFileSync(path, 'utf8').split('\n')) if (line !== '') counts.set(Number(line), (counts.get(Number(line)) ?? 0) + 1);
      return counts;
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Teaches the pool that these functions are short, so that the tasks a test submits at once go to its one
 * worker as one batch (a function not timed yet is only sent to a worker with nothing else in flight).
 */
async function warm(pool: Pool, log: string): Promise<void> {
  for (let i = 0; i < 12; i++) {
    await pool.submit(hang, null, 'sync');
    await pool.submit(holdUntil, null);
    await pool.submit(logRun, log, -1);
    await pool.submit(add, 1, 1);
  }
}

for (const kind of KINDS) {
  describe(`${kind} pool: an abortable task stopped in the middle of its batch`, { timeout: 60_000 }, () => {
    for (const how of ['sync', 'async'] as const) {
      test(`(${how} hang) its batch-mates before it keep their results, those after it run elsewhere, each once`, async () => {
        const gates = new Gates(kind, 1);
        const log = runLog();
        await using pool = makePool(kind, { maxWorkers: 1 });
        try {
          await warm(pool, log.path);
          const first = await pool.submit(whoAmI);
          const controller = new AbortController();
          const before = [0, 1, 2].map((i) => pool.submitWith(logRun, [log.path, i], { timeout: 60_000 }));
          const stopped = pool.submitWith(hang, [gates.handle(0), how], { signal: controller.signal });
          const after = [3, 4, 5].map((i) => pool.submitWith(logRun, [log.path, i], { signal: controller.signal, timeout: 60_000 }).then((value) => value, (error: unknown) => error));
          const plainAfter = pool.submit(logRun, log.path, 6);
          await gates.started(0);
          const reason = new Error('stop this one');
          controller.abort(reason);
          await assert.rejects(stopped, (error) => error === reason);
          assert.deepEqual(await Promise.all(before), [0, 10, 20]);
          // Aborted with the same signal: those that had not begun fail with its reason and never run.
          assert.deepEqual(await Promise.all(after), [reason, reason, reason]);
          assert.equal(await plainAfter, 60);
          const runs = log.runs();
          runs.delete(-1);
          assert.deepEqual([...runs].sort(([a], [b]) => a - b), [[0, 1], [1, 1], [2, 1], [6, 1]]);
          assert.notEqual(await pool.submit(whoAmI), first);
        } finally {
          log.dispose();
          gates.dispose();
        }
      });
    }

    for (const then of ['returns', 'throws'] as const) {
      test(`a task aborted while its batch is posted (a getter of its arguments aborts it, then ${then}): it fails once, and the tasks behind it run`, async () => {
        // Posting clones the arguments, which runs their getters: the task has left the queue and is not in
        // flight yet when its signal aborts. A getter that then throws fails the post, which fails the task
        // first; its abort, applied once the post is over, finds it settled.
        const pool = makePool(kind, { maxWorkers: 1 });
        const uncaught: unknown[] = [];
        const onUncaught = (error: unknown): void => void uncaught.push(error);
        process.on('uncaughtException', onUncaught);
        try {
          assert.equal(await pool.submit(add, 1, 1), 2);
          const controller = new AbortController();
          const reason = new Error('aborted while posted');
          const argument = {
            get value(): number {
              controller.abort(reason);
              if (then === 'throws') throw new Error('cannot clone this');
              return 1;
            },
          };
          const aborted = pool.submitWith(echo, [argument], { signal: controller.signal });
          const behind = pool.submit(add, 2, 2);
          await assert.rejects(aborted, (error) => (then === 'returns' ? error === reason : error instanceof TypeError && /cannot clone this/.test(error.message)));
          assert.equal(await behind, 4);
          // Submitted once the queue has been read wrong, a task would wait there for good, and shutdown()
          // would find nothing to wait for.
          const later = pool.submit(add, 3, 3);
          await pool.shutdown();
          assert.equal(later.done(), true, 'a task submitted after it was left in the queue');
          assert.equal(await later, 6);
          assert.deepEqual(uncaught, []);
        } finally {
          process.off('uncaughtException', onUncaught);
          await pool.shutdown();
        }
      });
    }

    test('a task cancelled while its batch is posted (a getter of its arguments cancels it): cancel() says it has started, and it runs', async () => {
      await using pool = makePool(kind, { maxWorkers: 1 });
      assert.equal(await pool.submit(add, 1, 1), 2);
      let cancelled: boolean | undefined;
      const argument = {
        get value(): number {
          cancelled = future.cancel();
          return 1;
        },
      };
      const future: Future<unknown> = pool.submit(echo, argument);
      const behind = pool.submit(add, 2, 2);
      assert.deepEqual(await future, { value: 1 });
      assert.equal(cancelled, false);
      assert.equal(await behind, 4);
      const later = pool.submit(add, 3, 3);
      await pool.shutdown();
      assert.equal(later.done(), true, 'a task submitted after it was left in the queue');
      assert.equal(await later, 6);
    });

    test('shutdown() called while a batch is posted (a getter of its arguments calls it): the batch runs, and the pool closes after it', async () => {
      // The batch has left the queue and is not in flight yet: the shutdown must not take its worker for idle
      // and stop it under the task, which failed as if its worker had died running it.
      const pool = makePool(kind, { maxWorkers: 1 });
      try {
        assert.equal(await pool.submit(add, 1, 1), 2);
        let closed: Promise<void> | undefined;
        const argument = {
          get value(): number {
            closed ??= pool.shutdown();
            return 1;
          },
        };
        const future = pool.submit(echo, argument);
        assert.deepEqual(await future, { value: 1 });
        await closed;
        assert.equal(pool.stats().workers, 0);
      } finally {
        await pool.shutdown();
      }
    });

    test('a running task aborted with a reason that cannot be read (a getter that throws) is still told, and stopped, and the task behind it runs', async () => {
      // The reason goes to the task's signal in its worker: describing it for the wire must not throw out of
      // the pool's abort listener (an uncaught exception here), which would leave the task running for good.
      const gates = new Gates(kind, 1);
      const pool = makePool(kind, { maxWorkers: 1 });
      let onUncaught: ((error: unknown) => void) | undefined;
      const uncaught = new Promise<never>((_, reject) => process.once('uncaughtException', (onUncaught = reject)));
      try {
        for (let i = 0; i < 12; i++) await pool.submit(stopsWhenAsked, null);
        const controller = new AbortController();
        const stopped = pool.submitWith(stopsWhenAsked, [gates.handle(0)], { signal: controller.signal });
        const behind = pool.submit(add, 2, 2);
        await gates.started(0);
        const reason = Object.defineProperty(new Error('odd reason'), 'detail', {
          enumerable: true,
          get: (): never => {
            throw new Error('this getter throws');
          },
        });
        controller.abort(reason);
        await assert.rejects(stopped, (error) => error === reason);
        assert.equal(await Promise.race([behind, uncaught]), 4);
      } finally {
        process.off('uncaughtException', onUncaught!);
        await pool.killWorkers();
        gates.dispose();
      }
    });

    // What toWire keeps of a reason is cloneable when it looks, but the message that carries it to the worker
    // is cloned again: a getter may throw only then, and a SharedArrayBuffer crosses to a thread, not to a
    // process. Either one threw out of the pool's abort listener, and the task was never stopped.
    const unsendable: [string, () => unknown][] = [
      [
        'a getter that throws when read again',
        () => {
          let reads = 0;
          return {
            get detail(): number {
              if (++reads > 1) throw new Error('read twice');
              return 1;
            },
          };
        },
      ],
      ['an error holding a SharedArrayBuffer', () => Object.assign(new Error('shared'), { memory: new SharedArrayBuffer(8) })],
    ];
    for (const [what, makeReason] of unsendable) {
      test(`a running task aborted with a reason that cannot be sent as it was read (${what}) is still told, and stopped, and the task behind it runs`, async () => {
        const gates = new Gates(kind, 1);
        const pool = makePool(kind, { maxWorkers: 1 });
        let onUncaught: ((error: unknown) => void) | undefined;
        const uncaught = new Promise<never>((_, reject) => process.once('uncaughtException', (onUncaught = reject)));
        try {
          for (let i = 0; i < 12; i++) await pool.submit(stopsWhenAsked, null);
          const controller = new AbortController();
          const stopped = pool.submitWith(stopsWhenAsked, [gates.handle(0)], { signal: controller.signal });
          const behind = pool.submit(add, 2, 2);
          await gates.started(0);
          const reason = makeReason();
          controller.abort(reason);
          await assert.rejects(stopped, (error) => error === reason);
          assert.equal(await Promise.race([behind, uncaught]), 4);
        } finally {
          process.off('uncaughtException', onUncaught!);
          await pool.killWorkers();
          gates.dispose();
        }
      });
    }

    test('a task of its batch that ends its worker (process.exit, no last word): the tasks before it keep their results, those after it run elsewhere, each once', async () => {
      // What finished before a guarded task began was stashed (shared memory for a thread, the stash file for
      // a process): the worker's death, whatever its cause, must not lose it, nor blame those tasks for it.
      const log = runLog();
      await using pool = makePool(kind, { maxWorkers: 1 });
      try {
        await warm(pool, log.path);
        for (let i = 0; i < 12; i++) await pool.submit(exitNow, 0);
        const before = [0, 1, 2].map((i) => pool.submitWith(logRun, [log.path, i], { timeout: 60_000 }));
        const dies = pool.submitWith(exitNow, [3], { timeout: 60_000 });
        const after = [3, 4].map((i) => pool.submitWith(logRun, [log.path, i], { timeout: 60_000 }));
        await assert.rejects(dies, /exited with code 3/);
        assert.deepEqual(await Promise.all([...before, ...after]), [0, 10, 20, 30, 40]);
        const runs = log.runs();
        runs.delete(-1);
        assert.deepEqual([...runs].sort(([x], [y]) => x - y), [[0, 1], [1, 1], [2, 1], [3, 1], [4, 1]]);
      } finally {
        log.dispose();
      }
    });

    test('a task aborted after it finished, while its worker runs the next one of its batch, stops nothing', async () => {
      // The answers of a batch of sync tasks come together at its end: the aborted task is still the first
      // unanswered one while its worker runs the next. Only the claims (thread) or the stash file's mark
      // (process) tell that it is over; stopping the worker then would fail the task it runs.
      const gates = new Gates(kind, 1);
      const log = runLog();
      await using pool = makePool(kind, { maxWorkers: 1 });
      try {
        await warm(pool, log.path);
        const first = await pool.submit(whoAmI);
        const controller = new AbortController();
        const finished = pool.submitWith(logRun, [log.path, 0], { signal: controller.signal });
        const running = pool.submitWith(holdUntil, [gates.handle(0)], { timeout: 60_000 });
        await gates.started(0);
        const reason = new Error('too late');
        controller.abort(reason);
        await assert.rejects(finished, (error) => error === reason);
        // A worker stopped now would fail `running` and never open the gate: whichever comes first tells. Once
        // the gate is open, `running` may finish before the release's own promise settles (seen on Node 24).
        const outcome = await Promise.race([gates.release(0).then(() => 'gate opened'), running.then(String, (error: unknown) => error)]);
        assert.ok(outcome === 'gate opened' || outcome === 'released', `running failed: ${String(outcome)}`);
        assert.equal(await running, 'released');
        assert.equal(await pool.submit(whoAmI), first, 'the worker was not stopped');
      } finally {
        log.dispose();
        gates.dispose();
      }
    });

    test('the tasks behind it with no signal of their own run on the replacement, each once', async () => {
      const gates = new Gates(kind, 1);
      const log = runLog();
      await using pool = makePool(kind, { maxWorkers: 1 });
      try {
        await warm(pool, log.path);
        const controller = new AbortController();
        const before = [0, 1].map((i) => pool.submitWith(logRun, [log.path, i], { timeout: 60_000 }));
        const stopped = pool.submitWith(hang, [gates.handle(0), 'sync'], { signal: controller.signal });
        const after = [2, 3, 4].map((i) => pool.submitWith(logRun, [log.path, i], { timeout: 60_000 }));
        await gates.started(0);
        controller.abort(new Error('stop'));
        await assert.rejects(stopped, /stop/);
        assert.deepEqual(await Promise.all([...before, ...after]), [0, 10, 20, 30, 40]);
        const runs = log.runs();
        runs.delete(-1);
        assert.deepEqual([...runs].sort(([a], [b]) => a - b), [[0, 1], [1, 1], [2, 1], [3, 1], [4, 1]]);
      } finally {
        log.dispose();
        gates.dispose();
      }
    });

    test('a task aborted before its worker began it fails at once; the task running there is not disturbed', async () => {
      const gates = new Gates(kind, 1);
      const log = runLog();
      await using pool = makePool(kind, { maxWorkers: 1 });
      try {
        await warm(pool, log.path);
        const first = await pool.submit(whoAmI);
        const controller = new AbortController();
        const running = pool.submitWith(holdUntil, [gates.handle(0)], { timeout: 60_000 });
        const aborted = pool.submitWith(logRun, [log.path, 0], { signal: controller.signal });
        const next = pool.submitWith(logRun, [log.path, 1], { timeout: 60_000 });
        await gates.started(0);
        controller.abort(new Error('not wanted'));
        await assert.rejects(aborted, /not wanted/);
        await gates.release(0);
        assert.equal(await running, 'released');
        assert.equal(await next, 10);
        const runs = log.runs();
        runs.delete(-1);
        if (kind === 'thread') {
          // Withdrawn from the worker before it began: it never ran, and the worker was not stopped.
          assert.deepEqual([...runs], [[1, 1]]);
          assert.equal(await pool.submit(whoAmI), first);
        } else {
          // A process cannot withdraw a task: it is killed when it reaches the aborted one (which may have
          // begun by then); the tasks after it run elsewhere, each once.
          assert.equal(runs.get(1), 1);
          assert.ok((runs.get(0) ?? 0) <= 1);
        }
      } finally {
        log.dispose();
        gates.dispose();
      }
    });
  });
}

describe('thread pool: abortable tasks around a slow one', { timeout: 60_000 }, () => {
  test('tiny tasks with timeouts around a slow one with a timeout all finish while it still runs', async () => {
    const gates = new Gates('thread', 1);
    await using pool = makePool('thread', { maxWorkers: 2 });
    try {
      // As in bench scenario 9: the tiny function is known to be short, the slow one is not known yet.
      for (let i = 0; i < 12; i++) await pool.submit(add, 1, 1);
      const tiny: Future<number>[] = [];
      let slow: Future<unknown> | undefined;
      for (let i = 0; i < 400; i++) {
        if (i === 200) slow = pool.submitWith(gated, [gates.handle(0), 'released'], { timeout: 60_000 });
        tiny.push(pool.submitWith(add, [i, 1], { timeout: 60_000 }));
      }
      await gates.started(0);
      // Were any stranded behind the slow task, this would wait until the test's own timeout.
      const results = await Promise.all(tiny);
      assert.equal(results.length, 400);
      assert.equal(slow!.done(), false);
      await gates.release(0);
      assert.equal(await slow, 'released');
    } finally {
      gates.dispose();
    }
  });
});

describe('replacing a worker stopped for an abort', { timeout: 60_000 }, () => {
  for (const kind of KINDS) {
    test(`${kind}: the replacement starts at once, and maxWorkers still bounds the workers that run tasks`, async () => {
      const gates = new Gates(kind, 2);
      await using pool = makePool(kind, { maxWorkers: 2 });
      const controllers = [new AbortController(), new AbortController()];
      try {
        const stopped = [0, 1].map((i) => pool.submitWith(announceThenSpin, [gates.handle(i)], { signal: controllers[i]!.signal }));
        const queued = [1, 2, 3].map((n) => pool.submit(add, n, n));
        await Promise.all([gates.started(0), gates.started(1)]);
        assert.equal(pool.stats().workers, 2);
        controllers[0]!.abort(new Error('first'));
        // Not once the old worker has exited: now.
        assert.equal(pool.stats().workers, 2);
        controllers[1]!.abort(new Error('second'));
        assert.equal(pool.stats().workers, 2);
        await assert.rejects(stopped[0]!, /first/);
        await assert.rejects(stopped[1]!, /second/);
        assert.deepEqual(await Promise.all(queued), [2, 4, 6]);
        assert.ok(pool.stats().workers <= 2);
      } finally {
        // A failed assertion must not leave the spinning tasks for shutdown() to wait on.
        for (const controller of controllers) controller.abort();
        gates.dispose();
      }
    });
  }
});

/**
 * Resolves once child `pid`'s stash file marks a task as begun in the generation it keeps in memory: its
 * watchdog wrote it, the child having stayed on one task (see stash-file.ts). Linux only (/proc).
 */
async function untilMarked(pid: number): Promise<void> {
  const fd = openSync(`/proc/${pid}/fd/4`, 'r');
  try {
    for (;;) {
      const { begun, imprecise } = readStashFile(fd, false);
      if (begun !== undefined && !imprecise) return;
      await nextTurn();
    }
  } finally {
    closeSync(fd);
  }
}

describe('process pool: the stash file', { timeout: 60_000 }, () => {
  test('a child killed from outside in a guarded batch: what it finished keeps its results, what it had not begun runs elsewhere, each once', { skip: !existsSync('/proc/self/fd') }, async () => {
    const gates = new Gates('process', 1);
    const log = runLog();
    await using pool = makePool('process', { maxWorkers: 1 });
    try {
      await warm(pool, log.path);
      const pid = Number((await pool.submit(whoAmI)).split(':')[0]);
      const before = [0, 1, 2].map((i) => pool.submitWith(logRun, [log.path, i], { timeout: 60_000 }));
      const killed = pool.submitWith(hang, [gates.handle(0), 'sync'], { timeout: 60_000 });
      const after = [3, 4].map((i) => pool.submitWith(logRun, [log.path, i], { timeout: 60_000 }));
      const plainAfter = pool.submit(logRun, log.path, 5);
      await gates.started(0);
      // Once the child has stayed on the task, its watchdog has written what it kept in memory.
      await untilMarked(pid);
      // Out of memory, say: no last word. The results before it were never sent (one reply per batch).
      process.kill(pid, 'SIGKILL');
      await assert.rejects(killed, BrokenProcessPool);
      assert.deepEqual(await Promise.all([...before, ...after, plainAfter]), [0, 10, 20, 30, 40, 50]);
      const runs = log.runs();
      runs.delete(-1);
      assert.deepEqual([...runs].sort(([a], [b]) => a - b), [[0, 1], [1, 1], [2, 1], [3, 1], [4, 1], [5, 1]]);
    } finally {
      log.dispose();
      gates.dispose();
    }
  });

  test('a stopped task that ends when asked, its answer held behind the next task of its batch: the child is not killed at the end of its grace', { skip: !existsSync('/proc/self/fd') }, async (t) => {
    // The child holds the stopped task's answer (in its stash file, kept in memory) while it runs the tasks
    // after it in the batch, so the answer is not in at the end of the grace; killing the child then would
    // fail the task it runs, and every other task it held with it whose results were only in its memory.
    const gates = new Gates('process', 2);
    const log = runLog();
    await using pool = makePool('process', { maxWorkers: 1, abortGrace: 100 });
    try {
      await warm(pool, log.path);
      for (let i = 0; i < 12; i++) await pool.submit(stopsWhenAsked, null);
      const first = await pool.submit(whoAmI);
      const pid = Number(first.split(':')[0]);
      const controller = new AbortController();
      // One batch: the task to stop, one that holds the child until released, a plain one.
      const stopped = pool.submitWith(stopsWhenAsked, [gates.handle(0)], { signal: controller.signal });
      const held = pool.submitWith(holdUntil, [gates.handle(1)], { timeout: 60_000 });
      const after = pool.submitWith(logRun, [log.path, 0], { timeout: 60_000 });
      await gates.started(0);
      await untilMarked(pid);
      // The engine's timers from here on: the grace ends when the test says.
      enableMockTimers(t, { apis: ['setTimeout'] });
      const reason = new Error('stop');
      controller.abort(reason);
      await assert.rejects(stopped, (error) => error === reason);
      // It ended when asked: the child has gone on to the next task of its batch.
      await gates.started(1);
      t.mock.timers.tick(100);
      t.mock.timers.reset();
      // A child killed now would fail `held` and never open the gate: whichever comes first tells.
      const outcome = await Promise.race([gates.release(1).then(() => 'gate opened'), held.then(String, (error: unknown) => error)]);
      assert.ok(outcome === 'gate opened' || outcome === 'released', `held failed: ${String(outcome)}`);
      assert.equal(await held, 'released');
      assert.equal(await after, 0);
      assert.equal(await pool.submit(whoAmI), first, 'the child was not killed');
    } finally {
      log.dispose();
      gates.dispose();
    }
  });

  test('a child that dies from outside before its stash file was written: no task it held runs twice, none is left pending', async () => {
    const log = runLog();
    await using pool = makePool('process', { maxWorkers: 1 });
    try {
      await warm(pool, log.path);
      for (let i = 0; i < 12; i++) await pool.submit(killSelf, false);
      const before = [0, 1, 2].map((i) => pool.submitWith(logRun, [log.path, i], { timeout: 60_000 }));
      const killed = pool.submitWith(killSelf, [true], { timeout: 60_000 });
      const after = [3, 4].map((i) => pool.submitWith(logRun, [log.path, i], { timeout: 60_000 }));
      await assert.rejects(killed, BrokenProcessPool);
      // Within microseconds of its mark, before its watchdog could write it, mostly: then the file cannot
      // tell which tasks began, and every task the child held fails. (Should its watchdog have written the
      // mark first, the tasks before it keep their results and those after it run elsewhere.)
      const settled = await Promise.allSettled([...before, ...after]);
      const runs = log.runs();
      runs.delete(-1);
      settled.forEach((outcome, i) => {
        if (outcome.status === 'fulfilled') assert.equal(outcome.value, i * 10);
        else assert.ok(outcome.reason instanceof BrokenProcessPool, `task ${i}: ${String(outcome.reason)}`);
      });
      for (const [index, count] of runs) assert.equal(count, 1, `task ${index} ran ${count} times`);
      for (let i = 3; i < 5; i++) if (settled[i]!.status === 'fulfilled') assert.equal(runs.get(i), 1);
      assert.equal(await pool.submit(add, 2, 3), 5, 'the pool healed');
    } finally {
      log.dispose();
    }
  });

  test('a child that ends itself while a stopped task has its grace: the tasks of its batch it had not begun run elsewhere, none failed for it', async () => {
    // The stopped task's future failed at its abort; the child's death (no last word) is that task's doing,
    // and its stash file shows that the tasks after it never began. None of them may be blamed for it.
    const gates = new Gates('process', 1);
    const log = runLog();
    await using pool = makePool('process', { maxWorkers: 1, abortGrace: 60_000 });
    try {
      await warm(pool, log.path);
      for (let i = 0; i < 12; i++) await pool.submit(exitWhenAsked, null, 3);
      const controller = new AbortController();
      const stopped = pool.submitWith(exitWhenAsked, [gates.handle(0), 3], { signal: controller.signal });
      const after = [pool.submit(logRun, log.path, 0), pool.submitWith(logRun, [log.path, 1], { timeout: 60_000 })];
      await gates.started(0);
      const reason = new Error('stop');
      controller.abort(reason);
      await assert.rejects(stopped, (error) => error === reason);
      assert.deepEqual(await Promise.all(after), [0, 10]);
      const runs = log.runs();
      runs.delete(-1);
      assert.deepEqual([...runs].sort(([x], [y]) => x - y), [[0, 1], [1, 1]]);
    } finally {
      log.dispose();
      gates.dispose();
    }
  });

  test('a task aborted before the child reached it: the child is killed once it begins it, not before', async () => {
    const gates = new Gates('process', 2);
    const log = runLog();
    await using pool = makePool('process', { maxWorkers: 1 });
    try {
      await warm(pool, log.path);
      const controller = new AbortController();
      const running = pool.submitWith(holdUntil, [gates.handle(0)], { timeout: 60_000 });
      const stopped = pool.submitWith(hang, [gates.handle(1), 'sync'], { signal: controller.signal });
      const next = pool.submitWith(logRun, [log.path, 0], { timeout: 60_000 });
      await gates.started(0);
      controller.abort(new Error('not wanted'));
      await assert.rejects(stopped, /not wanted/);
      // The child goes on with the task it runs, then begins the stopped one, which never returns: only the
      // engine's look at its stash file finds it there and kills it.
      await gates.release(0);
      assert.equal(await running, 'released');
      assert.equal(await next, 0);
      const runs = log.runs();
      runs.delete(-1);
      assert.deepEqual([...runs], [[0, 1]]);
    } finally {
      log.dispose();
      gates.dispose();
    }
  });

  test('a result too big for the file is sent before the next task begins, and kept when that task is stopped', async () => {
    const gates = new Gates('process', 1);
    const log = runLog();
    await using pool = makePool('process', { maxWorkers: 1 });
    try {
      await warm(pool, log.path);
      for (let i = 0; i < 12; i++) await pool.submit(echo, i);
      const controller = new AbortController();
      // Past the file's bound (1 MiB): the child sends it, and waits for the send, instead.
      const big = pool.submitWith(echo, [new Uint8Array(2 << 20).fill(7)], { timeout: 60_000 });
      const small = pool.submitWith(logRun, [log.path, 0], { timeout: 60_000 });
      const stopped = pool.submitWith(hang, [gates.handle(0), 'sync'], { signal: controller.signal });
      const after = pool.submitWith(logRun, [log.path, 1], { timeout: 60_000 });
      await gates.started(0);
      controller.abort(new Error('stop'));
      await assert.rejects(stopped, /stop/);
      const bytes = (await big) as Uint8Array;
      assert.equal(bytes.length, 2 << 20);
      assert.equal(bytes[12345], 7);
      assert.deepEqual(await Promise.all([small, after]), [0, 10]);
      const runs = log.runs();
      runs.delete(-1);
      assert.deepEqual([...runs].sort(([x], [y]) => x - y), [[0, 1], [1, 1]]);
    } finally {
      log.dispose();
      gates.dispose();
    }
  });

  test('nothing is left on disk: the file is unlinked before the child runs anything', { skip: !existsSync('/proc/self/fd') }, async () => {
    await using pool = makePool('process', { maxWorkers: 1 });
    const pid = Number((await pool.submit(whoAmI)).split(':')[0]);
    // The child's descriptor 4 (after the IPC channel) is the stash file, open and deleted. It is made in
    // /dev/shm where that can be written, else in the temp directory.
    const target = readlinkSync(`/proc/${pid}/fd/4`);
    const dirs = ['/dev/shm', tmpdir()].filter((dir) => existsSync(dir));
    assert.ok(dirs.some((dir) => target.startsWith(`${dir}/aiox-stash-`)) && target.endsWith('(deleted)'), target);
    for (const dir of dirs) assert.deepEqual(readdirSync(dir).filter((name) => name.startsWith(`aiox-stash-${process.pid}-`)), []);
  });
});
