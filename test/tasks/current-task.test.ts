import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  currentTask,
  defineTask,
  inThread,
  taskRef,
  ThreadPoolExecutor,
  type EventOf,
  type ProgressOf,
  type TaskContext,
} from 'aiox';
import { countTo, emitMany } from '../fixtures/report-tasks.js';
import { assertType, type Equal } from '../fixtures/types.js';

// The report types a task declares reach currentTask() inside it and the listeners of its caller. Most of
// this file is checked when it compiles: a test that builds has passed them.

test('a task declares its report types; its caller\'s listeners and its context are typed after them', () => {
  assertType<Equal<ProgressOf<typeof countTo>, number>>();
  assertType<Equal<EventOf<typeof countTo>, { done: number }>>();
  assertType<Equal<ProgressOf<typeof emitMany>, never>>();
  // A task that declares nothing reports unknown values.
  const _plain = (x: number): number => x;
  assertType<Equal<ProgressOf<typeof _plain>, unknown>>();
  // defineTask's `reports` declares and returns the task itself.
  const typed = defineTask(import.meta.url, function typedTask(n: number): number {
    const task = currentTask(typedTask2);
    assertType<Equal<typeof task, TaskContext<string, boolean>>>();
    // @ts-expect-error: the task declares string progress values
    task.progress(1);
    // @ts-expect-error: and boolean events
    task.emit('no');
    return n;
  });
  const typedTask2 = typed.reports<string, boolean>();
  assert.equal(typedTask2, typed);
  // A reference to it carries them too.
  const _ref = taskRef<typeof countTo>(import.meta.url, 'countTo');
  assertType<Equal<ProgressOf<typeof _ref>, number>>();
  assertType<Equal<ReturnType<typeof currentTask<number, string>>, TaskContext<number, string>>>();
});

test('a listener of the wrong type does not compile', async () => {
  const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  try {
    await pool.submitWith(countTo, [3], {
      onProgress: (_value) => assertType<Equal<typeof _value, number>>(),
      onEvent: (_event) => assertType<Equal<typeof _event, { done: number }>>(),
    });
    // @ts-expect-error: countTo reports numbers, not strings
    await pool.submitWith(countTo, [3], { onProgress: (value: string) => value });
    // @ts-expect-error: its events are { done: number }
    await pool.submitWith(countTo, [3], { onEvent: (event: number) => event });
    const seen: number[] = [];
    for await (const n of pool.map(countTo, [1, 2], { onProgress: (_value, _index) => assertType<Equal<[typeof _value, typeof _index], [number, number]>>() })) {
      assertType<Equal<typeof n, number>>();
      seen.push(n);
    }
    assert.deepEqual(seen, [1, 2]);
    // @ts-expect-error: map's listeners are typed after the task too
    pool.map(countTo, [1], { onProgress: (value: string) => value });
    // @ts-expect-error: inThread.with's listeners must match the task it runs
    if (false as boolean) await inThread.with({ onProgress: (value: string) => value })(countTo, 1);
  } finally {
    await pool.shutdown();
  }
});
