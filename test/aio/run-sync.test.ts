import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TimeoutError, runSync } from 'aiox';
import { asyncDouble, fail, spin } from '../fixtures/tasks.js';

test('runSync blocks until an async task settles and returns its result', () => {
  let turns = 0;
  setImmediate(() => turns++);
  assert.equal(runSync(asyncDouble, 21), 42);
  assert.equal(runSync(async (s: string) => s.repeat(2), 'ab'), 'abab');
  // Nothing else ran on this thread while it was blocked.
  assert.equal(turns, 0);
});

test('runSync rethrows the task error with its class', () => {
  assert.throws(() => runSync(fail, 'range'), RangeError);
  assert.throws(() => runSync(fail, 'zero'), (e: unknown) => e === 0);
});

test('runSync.with({ timeout }) gives up on a task that never settles, and the next call works', () => {
  assert.throws(() => runSync.with({ timeout: 50 })(spin), TimeoutError);
  assert.equal(runSync((n: number) => n + 1, 1), 2);
  assert.throws(() => runSync.with({ timeout: -1 }), RangeError);
});

test('runSync reports arguments that cannot be cloned', () => {
  assert.throws(() => runSync((f: unknown) => f, () => 1), /could not be sent to the worker/);
});

test('runSync reports a task that ends its worker instead of blocking forever; the next call works', () => {
  assert.throws(() => runSync(() => process.exit(3)), /worker ended before the task settled/);
  assert.equal(runSync((n: number) => n * 3, 3), 9);
});
