import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { THREAD_POOL, TimeoutError, generateInThread } from 'aiox';
import { accumulate, countdown, endless, failsAt, notAGenerator } from '../fixtures/generators.js';

describe('generateInThread', { timeout: 60_000 }, () => {
  test('yields what the worker generator yields, then its return value', async () => {
    const generator = generateInThread(countdown, 3);
    assert.deepEqual(await generator.next(), { done: false, value: 3 });
    assert.deepEqual(await generator.next(), { done: false, value: 2 });
    assert.deepEqual(await generator.next(), { done: false, value: 1 });
    assert.deepEqual(await generator.next(), { done: true, value: 'liftoff' });
    assert.deepEqual(await generator.next(), { done: true, value: undefined });
  });

  test('values passed to next(value) reach the worker generator', async () => {
    const generator = generateInThread(accumulate);
    await generator.next();
    assert.equal((await generator.next(5)).value, 5);
    assert.equal((await generator.next(10)).value, 15);
    assert.deepEqual(await generator.return(undefined), { done: true, value: undefined });
  });

  test('break closes the generator in the worker: its finally runs', async () => {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const seen: number[] = [];
    for await (const n of generateInThread(endless, flag)) {
      seen.push(n);
      if (n === 4) break;
    }
    assert.deepEqual(seen, [0, 1, 2, 3, 4]);
    assert.equal(Atomics.load(flag, 0), 1);
  });

  test('an error surfaces at the step that raised it', async () => {
    const seen: number[] = [];
    await assert.rejects(async () => {
      for await (const n of generateInThread(failsAt, 2)) seen.push(n);
    }, (e: unknown) => e instanceof RangeError && e.message === 'failed at 2');
    assert.deepEqual(seen, [0, 1]);
  });

  test('readAhead keeps the order and still closes the generator on break', async () => {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const seen: number[] = [];
    for await (const n of generateInThread.with({ readAhead: 8 })(endless, flag)) {
      seen.push(n);
      if (n === 20) break;
    }
    assert.deepEqual(seen, Array.from({ length: 21 }, (_, i) => i));
    assert.equal(Atomics.load(flag, 0), 1);
    const readingAhead = generateInThread.with({ readAhead: 2 })(accumulate);
    await assert.rejects(readingAhead.next(1), TypeError);
    await readingAhead.return(undefined);
  });

  test('a timeout stops the generator and fails the pending step', async () => {
    const generator = generateInThread.with({ timeout: 50 })(accumulate);
    await assert.rejects(
      (async () => {
        for (;;) await generator.next(1);
      })(),
      TimeoutError,
    );
  });

  test('a task that is not a generator function fails with a TypeError', async () => {
    await assert.rejects(generateInThread(notAGenerator as never).next(), /must be a generator function/);
    await THREAD_POOL.shutdown();
  });

  test('bad options throw at once', () => {
    assert.throws(() => generateInThread.with({ readAhead: -1 }), RangeError);
    assert.throws(() => generateInThread.with({ timeout: -5 }), RangeError);
  });
});
