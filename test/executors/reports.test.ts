import assert from 'node:assert/strict';
import { ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { currentTask, generateInProcess, generateInThread, InvalidStateError, PROGRESS_INTERVAL_MS, TaskReports, type TaskReport } from 'aiox';
import { add } from '../fixtures/tasks.js';
import {
  afterAwait,
  countAsync,
  countingGenerator,
  countTo,
  emitMany,
  reportUncloneable,
  reportUntilSeen,
  whoIsRunning,
} from '../fixtures/report-tasks.js';
import { nextTurn } from '../fixtures/settle.js';
import { KINDS, makePool } from './pools.js';

/** Counts the report messages every pool worker sends the caller while `fn` runs. */
async function countReportMessages<T>(fn: () => Promise<T>): Promise<[T, number]> {
  let count = 0;
  const patched = [Worker.prototype, ChildProcess.prototype] as { emit(this: unknown, event: string | symbol, ...args: unknown[]): boolean }[];
  const originals = patched.map((proto) => proto.emit);
  patched.forEach((proto, i) => {
    const original = originals[i]!;
    proto.emit = function (this: unknown, event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'message' && (args[0] as { type?: unknown } | null)?.type === 'report') count++;
      return original.call(this, event, ...args);
    };
  });
  try {
    return [await fn(), count];
  } finally {
    patched.forEach((proto, i) => (proto.emit = originals[i]!));
  }
}

describe('task reports', () => {
  for (const kind of KINDS) {
    describe(kind, () => {
      test('a sync task\'s last progress value and its events reach the caller before its future settles', async () => {
        await using pool = makePool(kind, { maxWorkers: 1 });
        const seen: unknown[] = [];
        const future = pool.submitWith(countTo, [1000], {
          onProgress: (value) => seen.push(['progress', value]),
          onEvent: (event) => seen.push(['event', event.done]),
        });
        const result = await future;
        // Settled after its reports: the last ones are there when the future is.
        assert.equal(result, 1000);
        assert.deepEqual(seen.at(-2), ['progress', 1000]);
        assert.deepEqual(seen.at(-1), ['event', 1000]);
      });

      test('an async task reports after its awaits with the context it took first; all before its future settles', async () => {
        await using pool = makePool(kind, { maxWorkers: 1 });
        const events: number[] = [];
        let progress: number | undefined;
        const future = pool.submitWith(countAsync, [20], { onEvent: (e) => events.push(e), onProgress: (p) => (progress = p) });
        future.addDoneCallback(() => {
          assert.deepEqual(events, Array.from({ length: 20 }, (_, i) => i + 1));
          assert.equal(progress, 20);
        });
        assert.equal(await future, 20);
      });

      test('tasks held back in a batch (and a guarded batch) still report before their futures settle', async () => {
        await using pool = makePool(kind, { maxWorkers: 1 });
        for (const guarded of [false, true]) {
          const heard = new Map<number, number>();
          const signal = guarded ? new AbortController().signal : undefined;
          const futures = Array.from({ length: 50 }, (_, i) =>
            pool.submitWith(countTo, [i + 1], { ...(signal === undefined ? {} : { signal }), onProgress: (p) => heard.set(i, p) }),
          );
          futures.forEach((future, i) => future.addDoneCallback(() => assert.equal(heard.get(i), i + 1, `task ${i}`)));
          assert.deepEqual(await Promise.all(futures), Array.from({ length: 50 }, (_, i) => i + 1));
        }
      });

      test('every event arrives, in order', async () => {
        await using pool = makePool(kind, { maxWorkers: 1 });
        const events: number[] = [];
        await pool.submitWith(emitMany, [5000], { onEvent: (e) => events.push(e) });
        assert.deepEqual(events, Array.from({ length: 5000 }, (_, i) => i));
      });

      test('a million progress calls send at most one message per interval of the task\'s run, and the last value', async () => {
        await using pool = makePool(kind, { maxWorkers: 1 });
        let calls = 0;
        let last: unknown;
        const [ms, messages] = await countReportMessages(() =>
          pool.submitWith(
            (n: number) => {
              const task = currentTask<number>();
              const start = performance.now();
              for (let i = 1; i <= n; i++) task.progress(i);
              return performance.now() - start;
            },
            [1_000_000],
            { onProgress: (value) => ((last = value), calls++) },
          ),
        );
        assert.equal(last, 1_000_000);
        assert.equal(messages, calls);
        // The first value goes at once, then one per interval at most, then the last one.
        assert.ok(messages <= Math.floor(ms / PROGRESS_INTERVAL_MS) + 2, `${messages} messages in ${ms} ms`);
      });

      test('a task nobody listens to sends no report, and its progress() and emit() do nothing', async () => {
        await using pool = makePool(kind, { maxWorkers: 1 });
        const [results, messages] = await countReportMessages(async () => [
          await pool.submit(countTo, 1000),
          await pool.submitWith(emitMany, [100], { timeout: 60_000 }),
          await Promise.all(Array.from({ length: 20 }, () => pool.submit(countAsync, 2))),
        ]);
        assert.deepEqual(results, [1000, 100, Array(20).fill(2)]);
        assert.equal(messages, 0);
      });

      test('a sync loop\'s progress leaves while it runs', async () => {
        await using pool = makePool(kind, { maxWorkers: 1 });
        // The task loops until the caller has seen a value: it would never end if reports waited for its end.
        const flag = kind === 'thread' ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
        const path = kind === 'process' ? join(tmpdir(), `aiox-report-${process.pid}-${Date.now()}`) : undefined;
        try {
          const seen = await pool.submitWith(reportUntilSeen, [flag, path], {
            onProgress: () => {
              if (flag !== undefined) Atomics.store(flag, 0, 1);
              else writeFileSync(path!, '');
            },
          });
          assert.ok(seen >= 1);
        } finally {
          if (path !== undefined) rmSync(path, { force: true });
        }
      });

      test('TaskReports yields the reports in order and ends when the future settles', async () => {
        await using pool = makePool(kind, { maxWorkers: 1 });
        const reports = new TaskReports<number, number>();
        const future = pool.submitWith(countAsync, [3], { reports });
        const got: TaskReport<number, number>[] = [];
        for await (const report of reports) got.push(report);
        assert.equal(future.done(), true);
        assert.deepEqual(got.filter((r) => r.kind === 'event').map((r) => r.value), [1, 2, 3]);
        assert.deepEqual(got.at(-1), { kind: 'progress', value: 3 });
        assert.throws(() => pool.submitWith(countAsync, [1], { reports }), /in use by another task/);
      });

      test('map passes each report with its item\'s index in the input', async () => {
        await using pool = makePool(kind, { maxWorkers: 2 });
        const events: [number, number][] = [];
        const results: number[] = [];
        for await (const n of pool.map(emitMany, [1, 2, 3, 4, 5, 6], { chunksize: 4, onEvent: (event, index) => events.push([index, event]) })) results.push(n);
        assert.deepEqual(results, [1, 2, 3, 4, 5, 6]);
        const expected = [1, 2, 3, 4, 5, 6].flatMap((n, index) => Array.from({ length: n }, (_, e): [number, number] => [index, e]));
        assert.deepEqual(events.sort((a, b) => a[0] - b[0] || a[1] - b[1]), expected);
      });

      test('in a map of an async function, each item takes the chunk\'s context before its first await', async () => {
        await using pool = makePool(kind, { maxWorkers: 1 });
        const events: [number, number][] = [];
        const results: number[] = [];
        const double = async (x: number): Promise<number> => {
          const task = currentTask<never, number>();
          await new Promise((resolve) => setImmediate(resolve));
          task.emit(x);
          return x * 2;
        };
        for await (const n of pool.map(double, [1, 2, 3, 4, 5], { chunksize: 5, onEvent: (event: number, index) => events.push([index, event]) })) results.push(n);
        assert.deepEqual(results, [2, 4, 6, 8, 10]);
        assert.deepEqual(events, [[0, 1], [1, 2], [2, 3], [3, 4], [4, 5]]);
      });

      test('a function sent as source has currentTask in scope', async () => {
        await using pool = makePool(kind, { maxWorkers: 1 });
        const events: string[] = [];
        const result = await pool.submitWith(
          (x: number) => {
            currentTask<never, string>().emit(`got ${x}`);
            return x + 1;
          },
          [41],
          { onEvent: (e: string) => events.push(e) },
        );
        assert.equal(result, 42);
        assert.deepEqual(events, ['got 41']);
      });

      test('the context names the task and its worker', async () => {
        await using pool = makePool(kind, { maxWorkers: 1 });
        const [a, b] = await Promise.all([pool.submit(whoIsRunning), pool.submit(whoIsRunning)]);
        assert.equal(a.worker.kind, kind);
        assert.equal(a.worker.id, b.worker.id);
        assert.notEqual(a.id, b.id);
        assert.match(a.id, new RegExp(`^${a.worker.id}\\.\\d+$`));
      });

      test('currentTask() after an await throws the documented error', async () => {
        await using pool = makePool(kind, { maxWorkers: 1 });
        assert.match(await pool.submit(afterAwait), /^InvalidStateError: currentTask\(\) was called after an await of an async task/);
      });

      test('a report that cannot be cloned fails the task, not the worker', async () => {
        await using pool = makePool(kind, { maxWorkers: 1 });
        await assert.rejects(pool.submitWith(reportUncloneable, ['progress'], { onProgress: () => undefined }), {
          name: 'TypeError',
          message: /the task's progress value could not be sent to the caller/,
        });
        await assert.rejects(pool.submitWith(reportUncloneable, ['event'], { onEvent: () => undefined }), {
          name: 'TypeError',
          message: /the task's event could not be sent to the caller/,
        });
        // Not listened to, nothing is sent, so nothing fails.
        assert.equal(await pool.submit(reportUncloneable, 'progress'), 'returned');
        assert.equal(await pool.submit(add, 1, 2), 3);
      });

      test('a listener that throws is reported as a warning and the task goes on', async () => {
        await using pool = makePool(kind, { maxWorkers: 1 });
        const warnings: Error[] = [];
        const onWarning = (warning: Error): number => warnings.push(warning);
        process.on('warning', onWarning);
        try {
          assert.equal(
            await pool.submitWith(emitMany, [2], {
              onEvent: () => {
                throw new Error('listener exploded');
              },
            }),
            2,
          );
          await nextTurn();
        } finally {
          process.off('warning', onWarning);
        }
        assert.equal(warnings.filter((w) => /listener exploded/.test(w.message)).length, 2);
      });
    });
  }

  test('currentTask() outside a task throws the documented error', () => {
    assert.throws(() => currentTask(), (error: unknown) => error instanceof InvalidStateError && /outside a running task/.test(error.message));
  });

  for (const [name, generate] of [
    ['generateInThread', generateInThread],
    ['generateInProcess', generateInProcess],
  ] as const) {
    test(`${name}: each step runs as the task, and its reports arrive`, async () => {
      const events: string[] = [];
      let progress: number | undefined;
      const values: number[] = [];
      for await (const value of generate.with<number, string>({ onEvent: (e) => events.push(e), onProgress: (p) => (progress = p) })(countingGenerator, 3)) {
        values.push(value);
      }
      assert.deepEqual(values, [1, 2, 3]);
      // Reports travel with the pool task, apart from the values: they are all in once its future settles,
      // which the generator's end does not wait for; a step's own ones arrive by the next steps.
      while (progress === undefined) await nextTurn();
      assert.deepEqual(events, ['step 1', 'step 2', 'step 3']);
      assert.equal(progress, 3);
    });
  }
});
