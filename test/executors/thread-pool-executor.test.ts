import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BrokenThreadPool, ThreadPoolExecutor } from 'aiox';
import { add, byteLength, hog } from '../fixtures/tasks.js';

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
