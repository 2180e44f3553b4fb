import assert from 'node:assert/strict';
import { test } from 'node:test';

// result-stash is internal: it comes from the sources compiled file by file with the tests (build/src/).
import { readStash, STASH_BYTES, StashWriter } from '../../src/wire/result-stash.js';

test('the stash gives back what was stashed, in order, until it is cleared', () => {
  const buffer = new SharedArrayBuffer(STASH_BYTES);
  const stash = new StashWriter(buffer);
  const values: unknown[] = [42, -0.5, undefined, null, true, false, 'text', { a: [1, 2] }, new Uint8Array([1, 2, 3])];
  values.forEach((value, i) => assert.equal(stash.add(10 + i, i % 2, value), true));
  assert.deepEqual(
    readStash(buffer),
    values.map((value, i) => [10 + i, i % 2, value]),
  );
  stash.clear();
  assert.deepEqual(readStash(buffer), []);
  assert.equal(stash.add(7, 0, 1), true);
  assert.deepEqual(readStash(buffer), [[7, 0, 1]]);
});

test('a result that does not fit or cannot be serialized is refused, and nothing of it is stashed', () => {
  const buffer = new SharedArrayBuffer(STASH_BYTES);
  const stash = new StashWriter(buffer);
  assert.equal(stash.add(0, 0, 'x'.repeat(STASH_BYTES)), false);
  assert.equal(stash.add(1, 0, () => 1), false);
  assert.deepEqual(readStash(buffer), []);
  assert.equal(stash.add(2, 0, 5), true);
  assert.deepEqual(readStash(buffer), [[2, 0, 5]]);
});

test('results come back from the stash as they come in a message: a Buffer as a plain Uint8Array', () => {
  const buffer = new SharedArrayBuffer(STASH_BYTES);
  const stash = new StashWriter(buffer);
  const values: unknown[] = [Buffer.from('ab'), { nested: [Buffer.from('cd')] }, new Uint16Array([1, 2, 3]).subarray(1)];
  values.forEach((value, i) => assert.equal(stash.add(i, 0, value), true));
  const back = readStash(buffer).map(([, , value]) => value);
  // structuredClone is what postMessage does to a thread's results.
  assert.deepEqual(back, values.map((value) => structuredClone(value)));
  assert.equal(Object.getPrototypeOf(back[0]), Uint8Array.prototype);
});
