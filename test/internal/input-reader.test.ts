import { test } from 'node:test';
import assert from 'node:assert/strict';

// input-reader is internal: it comes from the sources compiled file by file with the tests (build/src/).
import { InputReader } from '../../src/internal/input-reader.js';
import { nextTurn, watchUnhandledRejections } from '../fixtures/settle.js';

test('refuses what is not iterable, with the one message map, collect and resolve share', () => {
  for (const [items, received] of [
    [42, '42'],
    [null, 'null'],
    [{}, 'an object'],
  ] as const) {
    assert.throws(() => new InputReader(items as never), { name: 'TypeError', message: `items must be an iterable or an async iterable, received ${received}` });
  }
});

test('a sync input: items in order, then undefined for good; an input that ended is not returned', async () => {
  let returned = 0;
  let n = 0;
  const source: Iterable<number> = {
    [Symbol.iterator]: () => ({
      next: () => (n < 2 ? { value: n++, done: false } : { value: undefined, done: true }),
      return: () => {
        returned++;
        return { value: undefined, done: true };
      },
    }),
  };
  const reader = new InputReader(source);
  assert.equal(reader.isSync, true);
  assert.deepEqual([reader.takeSync()?.value, reader.takeSync()?.value], [0, 1]);
  assert.equal(reader.takeSync(), undefined);
  assert.equal(reader.finished, true);
  assert.equal(reader.takeSync(), undefined);
  await reader.return();
  assert.equal(returned, 0);
  assert.equal(reader.failure, undefined);
});

test('an input that throws is finished, keeps its first error and is not returned', async () => {
  let returned = false;
  const boom = new Error('boom');
  function* source(): Generator<number> {
    try {
      yield 1;
      throw boom;
    } finally {
      returned = true;
    }
  }
  const reader = new InputReader(source());
  assert.equal(reader.takeSync()?.value, 1);
  returned = false;
  assert.equal(reader.takeSync(), undefined);
  assert.deepEqual(reader.failure, { error: boom });
  await reader.return();
  assert.equal(returned, true, 'the generator ran its finally as it threw, not again');
});

test('return() runs the input return() once and reports what it throws; close() swallows it', async () => {
  let calls = 0;
  const breaking = (): Iterable<number> => ({
    [Symbol.iterator]: () => ({
      next: () => ({ value: 1, done: false }),
      return: () => {
        calls++;
        throw new Error('return broke');
      },
    }),
  });
  const reader = new InputReader(breaking());
  reader.takeSync();
  await assert.rejects(reader.return(), /return broke/);
  await reader.return();
  assert.equal(calls, 1);
  const closed = new InputReader(breaking());
  closed.close();
  assert.equal(calls, 2);
  assert.equal(closed.finished, true);
});

test('an async input is asked once at a time, in order, and counts its pending reads', async () => {
  let active = 0;
  let most = 0;
  let n = 0;
  const source: AsyncIterable<number> = {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        most = Math.max(most, ++active);
        await nextTurn();
        active--;
        return n < 3 ? { value: n++, done: false } : { value: undefined, done: true };
      },
    }),
  };
  const reader = new InputReader(source);
  assert.equal(reader.isSync, false);
  const reads = [reader.takeAsync(), reader.takeAsync(), reader.takeAsync(), reader.takeAsync()];
  assert.equal(reader.pulling, 4);
  assert.deepEqual((await Promise.all(reads)).map((step) => step?.value), [0, 1, 2, undefined]);
  assert.equal(most, 1);
  assert.equal(reader.pulling, 0);
  assert.equal(reader.finished, true);
});

test('an async input whose next() throws at once fails the read, not the caller', async () => {
  const boom = new Error('boom');
  const source: AsyncIterable<number> = {
    [Symbol.asyncIterator]: () => ({
      next: () => {
        throw boom;
      },
    }),
  };
  const reader = new InputReader(source);
  assert.equal(await reader.takeAsync(), undefined);
  assert.deepEqual(reader.failure, { error: boom });
});

test('close() marks the promises of an array input that were never taken as handled', async (t) => {
  const noUnhandled = watchUnhandledRejections(t);
  const taken = Promise.reject(new Error('taken'));
  taken.catch(() => undefined);
  const reader = new InputReader([taken, Promise.reject(new Error('left'))]);
  reader.takeSync();
  reader.close();
  await noUnhandled();
});
