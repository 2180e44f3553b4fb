import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PROCESS_POOL, THREAD_POOL, TimeoutError, generateInProcess, generateInThread } from 'aiox';
import { accumulate, countdown, endless, failsAt, notAGenerator, oneLarge } from '../fixtures/generators.js';

for (const [name, generate, slot] of [
  ['generateInThread', generateInThread, THREAD_POOL],
  ['generateInProcess', generateInProcess, PROCESS_POOL],
] as const) {
describe(name, { timeout: 60_000 }, () => {
  test('yields what the worker generator yields, then its return value', async () => {
    const generator = generate(countdown, 3);
    assert.deepEqual(await generator.next(), { done: false, value: 3 });
    assert.deepEqual(await generator.next(), { done: false, value: 2 });
    assert.deepEqual(await generator.next(), { done: false, value: 1 });
    assert.deepEqual(await generator.next(), { done: true, value: 'liftoff' });
    assert.deepEqual(await generator.next(), { done: true, value: undefined });
  });

  test('values passed to next(value) reach the worker generator', async () => {
    const generator = generate(accumulate);
    await generator.next();
    assert.equal((await generator.next(5)).value, 5);
    assert.equal((await generator.next(10)).value, 15);
    assert.deepEqual(await generator.return(undefined), { done: true, value: undefined });
  });

  test('break closes the generator in the worker: its finally runs', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'aiox-gen-')), 'closed');
    const seen: number[] = [];
    for await (const n of generate(endless, marker)) {
      seen.push(n);
      if (n === 4) break;
    }
    assert.deepEqual(seen, [0, 1, 2, 3, 4]);
    assert.equal(existsSync(marker), true);
  });

  test('an error surfaces at the step that raised it', async () => {
    const seen: number[] = [];
    await assert.rejects(async () => {
      for await (const n of generate(failsAt, 2)) seen.push(n);
    }, (e: unknown) => e instanceof RangeError && e.message === 'failed at 2');
    assert.deepEqual(seen, [0, 1]);
  });

  test('readAhead keeps the order and still closes the generator on break', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'aiox-gen-')), 'closed');
    const seen: number[] = [];
    for await (const n of generate.with({ readAhead: 8 })(endless, marker)) {
      seen.push(n);
      if (n === 20) break;
    }
    assert.deepEqual(seen, Array.from({ length: 21 }, (_, i) => i));
    assert.equal(existsSync(marker), true);
    const readingAhead = generate.with({ readAhead: 2 })(accumulate);
    await assert.rejects(readingAhead.next(1), TypeError);
    await readingAhead.return(undefined);
  });

  test('steps read ahead past the end do not lose a reply still on its way', async () => {
    // Steps read ahead past the end reach the worker after it has closed the channel, while the large reply
    // is still being written; they must not cut that reply off (a write to an ended socket destroyed it).
    const size = 16 * 1024 * 1024;
    for (let round = 0; round < 3; round++) {
      const steps: IteratorResult<string, string>[] = [];
      const generator = generate.with({ readAhead: 4 })(oneLarge, size);
      for (let step = await generator.next(); ; step = await generator.next()) {
        steps.push(step);
        if (step.done === true) break;
      }
      assert.equal(steps.length, 2);
      assert.equal(steps[0]!.done, false);
      assert.equal(steps[0]!.value.length, size);
      assert.deepEqual(steps[1], { done: true, value: 'done' });
    }
  });

  test('a timeout stops the generator and fails the pending step', async () => {
    const generator = generate.with({ timeout: 50 })(accumulate);
    await assert.rejects(
      (async () => {
        for (;;) await generator.next(1);
      })(),
      TimeoutError,
    );
    // Its worker was stopped with it: nothing of it runs any more.
    assert.equal(slot.pool.stats().running, 0);
  });

  test('a task that is not a generator function fails with a TypeError', async () => {
    await assert.rejects(generate(notAGenerator as never).next(), /must be a generator function/);
    await slot.shutdown();
  });

  test('bad options throw at once', () => {
    assert.throws(() => generate.with({ readAhead: -1 }), RangeError);
    assert.throws(() => generate.with({ timeout: -5 }), RangeError);
  });
});
}

test('an awaited step keeps the program alive; a generator left open does not', async () => {
  const script = fileURLToPath(new URL('../fixtures/scripts/open-generators.js', import.meta.url));
  // If an open generator held the program, the child would never exit and the kill below fails the test.
  const { stdout } = await promisify(execFile)(process.execPath, [script], { timeout: 60_000, killSignal: 'SIGKILL' });
  assert.deepEqual(stdout.trim().split('\n'), ['thread: late', 'process: late', 'process read ahead: late', 'thread read ahead: once']);
});
