import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BrokenThreadPool, ThreadPoolExecutor } from 'aiox';
import { Gates } from '../fixtures/gate.js';
import { add, byteLength, gated, hog, whoAmI } from '../fixtures/tasks.js';

test('a transfer list moves buffers to the worker instead of copying them', async () => {
  await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  const buffer = new ArrayBuffer(1024);
  const length = await pool.submitWith(byteLength, [buffer], { transfer: [buffer] });
  assert.equal(length, 1024);
  assert.equal(buffer.byteLength, 0);
});

test('a worker out of memory under resourceLimits fails its task; the pool heals', async () => {
  await using pool = new ThreadPoolExecutor({ maxWorkers: 1, resourceLimits: { maxOldGenerationSizeMb: 16 } });
  await assert.rejects(pool.submit(hog), (e: unknown) => e instanceof BrokenThreadPool && /memory/i.test(e.message));
  assert.equal(await pool.submit(add, 1, 2), 3);
});

test('thread-only options are validated', () => {
  assert.throws(() => new ThreadPoolExecutor({ name: 3 as unknown as string }), /name must be a string, received 3/);
  assert.throws(() => new ThreadPoolExecutor({ idleTimeout: -1 }), /idleTimeout must be a number >= 0/);
});

test('an idle thread takes back tasks queued behind a slow one on another thread', { timeout: 30_000 }, async () => {
  const gates = new Gates('thread', 1);
  await using pool = new ThreadPoolExecutor({ maxWorkers: 2 });
  try {
    // Tiny tasks teach the pool that tasks are short, so it sends them in batches, several per worker.
    for (let round = 0; round < 5; round++) await Promise.all(Array.from({ length: 500 }, (_, i) => pool.submit(add, i, 1)));
    const slow = pool.submit(gated, gates.handle(0), 'slow');
    const quick = Array.from({ length: 40 }, () => pool.submit(whoAmI));
    await gates.started(0);
    // Part of `quick` went out in the slow task's batch. Those finish only if the other, idle, thread takes
    // them back: without that, they would wait for the release below, which comes only after they finish.
    const ranOn = new Set(await Promise.all(quick));
    assert.equal(slow.running(), true);
    assert.equal(ranOn.size, 1);
    await gates.release(0);
    assert.equal(await slow, 'slow');
  } finally {
    gates.dispose();
  }
});
