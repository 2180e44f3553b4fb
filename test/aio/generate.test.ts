import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ChannelError, PROCESS_POOL, THREAD_POOL, TimeoutError, generateInProcess, generateInThread } from 'aiox';
import { Attacker } from '../fixtures/hostile.js';
import { accumulate, corruptsItsInbox, countdown, endless, failsAt, notAGenerator, oneLarge, onceThenStall, writesOnItsChannel } from '../fixtures/generators.js';

// Files a generator's finally writes to show it ran; all in one folder, removed after the tests.
const markers = mkdtempSync(join(tmpdir(), 'aiox-gen-'));
after(() => rmSync(markers, { recursive: true, force: true }));
let markerCount = 0;
function newMarker(): string {
  return join(markers, `closed-${markerCount++}`);
}

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
    const marker = newMarker();
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
    const marker = newMarker();
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

  test('a signal stops the generator mid-step and fails the pending step with its reason', async () => {
    const controller = new AbortController();
    const generator = generate.with({ signal: controller.signal })(onceThenStall);
    assert.deepEqual(await generator.next(), { done: false, value: 'once' });
    const pending = generator.next();
    const reason = new Error('stop');
    controller.abort(reason);
    await assert.rejects(pending, (e: unknown) => e === reason);
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

describe('generateInProcess: what arrives on the channel is checked', { timeout: 60_000 }, () => {
  // The child's own code is the only peer left that can write on the channel; whatever it writes fails one
  // step of one generator, never the consumer's process.
  for (const [fault, expected] of [
    ['garbage', /^received a frame that does not deserialize/],
    ['huge-header', /^received a frame of 2147483647 bytes, over the limit of 268435456$/],
    ['bad-shape', /^received a malformed generator reply: its error is malformed: its name is not a string$/],
  ] as const) {
    test(`${fault}: the step fails with a ChannelError and later steps with it too`, async () => {
      const generator = generateInProcess(writesOnItsChannel, fault);
      const error = await generator.next().then(
        () => assert.fail('the step should fail'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ChannelError, String(error));
      assert.match(error.message, expected);
      await assert.rejects(generator.next(), (e: unknown) => e === error);
    });
  }

  test('a local process that connects to the channel first gets nothing and gives nothing', async () => {
    const attacker = new Attacker();
    try {
      attacker.install();
      const steps: IteratorResult<number, string>[] = [];
      const generator = generateInProcess(countdown, 2);
      for (let step = await generator.next(); ; step = await generator.next()) {
        steps.push(step);
        if (step.done === true) break;
      }
      // Only the real generator's values: none of the hundred frames the attacker wrote.
      assert.deepEqual(steps, [
        { done: false, value: 2 },
        { done: false, value: 1 },
        { done: true, value: 'liftoff' },
      ]);
      assert.equal(attacker.ports.length, 1);
      assert.equal(await attacker.closedWith(attacker.ports[0]!), 0, 'the attacker read none of the requests');
    } finally {
      attacker.dispose();
    }
  });

  test("a bad frame reaching a sync generator's side fails its task with a ChannelError, not its process", async () => {
    const generator = generateInProcess(corruptsItsInbox);
    // The channel is gone on the generator's side, so the step's answer is the task's failure.
    const error = await generator.next().then(
      () => assert.fail('the step should fail'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ChannelError, String(error));
    assert.equal(error.message, `received a frame of ${0xffffffff} bytes, over the limit of 268435456`);
  });

  test('an error reply naming a class "toString" is revived as a plain Error', async () => {
    const generator = generateInProcess(writesOnItsChannel, 'ctor-toString');
    const error = await generator.next().then(
      () => assert.fail('the step should fail'),
      (e: unknown) => e,
    );
    assert.equal(Object.getPrototypeOf(error), Error.prototype);
    assert.equal((error as Error).name, 'Crafted');
    assert.equal((error as Error).message, 'crafted');
    // The crafted reply failed one step; the generator in the child goes on. Close it, so that its task
    // (a background one, which holds nothing open) does not keep a later shutdown() waiting for it.
    await generator.return(undefined);
  });

  test('the pool still works, and every generator task has ended: shutdown does not wait forever', async () => {
    const values: number[] = [];
    for await (const n of generateInProcess(countdown, 2)) values.push(n);
    assert.deepEqual(values, [2, 1]);
    await PROCESS_POOL.shutdown();
  });

  for (const when of ['at-once', 'mid-call']) {
    test(`a program killed ${when} leaves nothing on disk`, async () => {
      const script = fileURLToPath(new URL('../fixtures/scripts/killed-mid-generate.js', import.meta.url));
      const dir = mkdtempSync(join(tmpdir(), 'aiox-kill-'));
      try {
        const result = await promisify(execFile)(process.execPath, [script, when], {
          env: { ...process.env, TMPDIR: dir, TMP: dir, TEMP: dir },
          timeout: 60_000,
        }).then(
          () => assert.fail('the script should have been killed'),
          (e: { signal?: string; stdout?: string }) => e,
        );
        assert.equal(result.signal, 'SIGKILL');
        if (when === 'mid-call') assert.equal(result.stdout?.trim(), '3');
        assert.deepEqual(readdirSync(dir), []);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

test('on a pool that runs several tasks a worker, a stopped generator that awaits still stops its worker at once, with no abort grace', { timeout: 60_000 }, async () => {
  // A generator's task stays alone on its worker; awaiting, it runs on there as a task of several would.
  const pool = THREAD_POOL.initialize({ maxWorkers: 1, concurrentTasksPerWorker: 2, abortGrace: 600_000 });
  try {
    const controller = new AbortController();
    const generator = generateInThread.with({ signal: controller.signal })(onceThenStall);
    assert.deepEqual(await generator.next(), { done: false, value: 'once' });
    const pending = generator.next();
    const reason = new Error('stop');
    controller.abort(reason);
    await assert.rejects(pending, (e: unknown) => e === reason);
    // Its worker was stopped with it. Given the grace, it would still run the generator, unreferenced, and
    // this shutdown would wait for the grace's end: the event loop empties first and the test is cancelled.
    await THREAD_POOL.shutdown();
    assert.equal(pool.stats().workers, 0);
  } finally {
    await THREAD_POOL.shutdown();
  }
});
