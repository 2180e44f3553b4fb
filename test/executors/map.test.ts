import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Future } from '../../src/futures/future.js';

// map's engine and its chunking are internal, so they come from the sources compiled file by file with the
// tests (build/src/), as does the Future they are given: the package itself is a bundle that does not expose them.
import { mapInOrder } from '../../src/executors/map.js';
import { AdaptiveChunking, FixedChunking, MAX_ADAPTIVE_CHUNK, TARGET_CHUNK_MS, type Chunking } from '../../src/executors/chunking.js';
import type { ChunkResult } from '../../src/wire/protocol.js';

/**
 * Stands in for a pool: each chunk is answered one turn of the event loop after it is sent, oldest first,
 * its items doubled, and timed by `itemMs(item)` for each item. Records what it was sent.
 */
class FakePool {
  /** The size of every chunk sent, in order. */
  readonly sizes: number[] = [];
  /**
   * Items sent and not yet consumed, at each send, this chunk included. The consumer may still be going
   * through the chunk just taken from the window, so this is the bound on the window plus one chunk.
   */
  readonly ahead: number[] = [];
  consumed = 0;
  sent = 0;
  readonly #itemMs: (item: number) => number;

  constructor(itemMs: (item: number) => number) {
    this.#itemMs = itemMs;
  }

  readonly submitChunk = (chunk: [number][]): Future<ChunkResult> => {
    this.sizes.push(chunk.length);
    this.sent += chunk.length;
    this.ahead.push(this.sent - this.consumed);
    const future = new Future<ChunkResult>();
    setImmediate(() => {
      // Cancelled by map meanwhile, as a pool would withdraw it.
      if (future.cancelled()) return;
      let ms = 0;
      for (const [item] of chunk) ms += this.#itemMs(item);
      future.setResult({ values: chunk.map(([item]) => item * 2), ms });
    });
    return future;
  };
}

function* range(count: number): Generator<number> {
  for (let i = 0; i < count; i++) yield i;
}

async function* asyncRange(count: number): AsyncGenerator<number> {
  for (let i = 0; i < count; i++) yield i;
}

async function drain(pool: FakePool, results: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const value of results) {
    out.push(value);
    pool.consumed++;
  }
  return out;
}

describe('map sizes its own chunks when chunksize is not given', () => {
  for (const [input, items] of [
    ['a sync input', range],
    ['an async input', asyncRange],
  ] as const) {
    test(`${input}: cheap items go in chunks that start at one item and grow to the largest size`, async () => {
      const pool = new FakePool(() => 0.0001);
      const out = await drain(pool, mapInOrder(pool.submitChunk, items(20_000), {}, 2));
      assert.deepEqual(out, Array.from({ length: 20_000 }, (_, i) => i * 2));
      assert.deepEqual(pool.sizes.slice(0, 4), [1, 1, 1, 1], 'the first chunks, sent before anything is measured');
      assert.equal(Math.max(...pool.sizes), MAX_ADAPTIVE_CHUNK);
      // Growth is gradual: never more than 4x the largest chunk sent before.
      for (let i = 1; i < pool.sizes.length; i++) assert.ok(pool.sizes[i]! <= 4 * Math.max(...pool.sizes.slice(0, i)), `chunk ${i}`);
      // Nearly everything went in full-size chunks.
      assert.ok(pool.sizes.length < 20_000 / MAX_ADAPTIVE_CHUNK + 40, `${pool.sizes.length} chunks`);
    });
  }

  test('items that take milliseconds go one per chunk, as with chunksize 1', async () => {
    const pool = new FakePool(() => 2);
    const out = await drain(pool, mapInOrder(pool.submitChunk, range(300), {}, 2));
    assert.equal(out.length, 300);
    assert.ok(pool.sizes.every((size) => size === 1));
  });

  test('items worth a fraction of the target go a few per chunk', async () => {
    const pool = new FakePool(() => TARGET_CHUNK_MS / 5);
    await drain(pool, mapInOrder(pool.submitChunk, range(500), {}, 2));
    assert.equal(Math.max(...pool.sizes), 5);
  });

  test('chunks shrink back to one item when the items become slow', async () => {
    const pool = new FakePool((item) => (item < 10_000 ? 0.0001 : 5));
    const out = await drain(pool, mapInOrder(pool.submitChunk, range(30_000), {}, 2));
    assert.equal(out.length, 30_000);
    assert.equal(Math.max(...pool.sizes), MAX_ADAPTIVE_CHUNK);
    assert.deepEqual(pool.sizes.slice(-100), Array(100).fill(1));
  });

  test('a readAhead given holds two chunks per worker: chunks stay within it, and so does what is read ahead', async () => {
    const pool = new FakePool(() => 0.0001);
    const out = await drain(pool, mapInOrder(pool.submitChunk, range(2000), { readAhead: 40 }, 2));
    assert.equal(out.length, 2000);
    assert.equal(Math.max(...pool.sizes), 10);
    assert.ok(Math.max(...pool.ahead) <= 40 + 10, `read ahead ${Math.max(...pool.ahead)}`);
  });

  test('without readAhead, the window holds 4 chunks per worker of the settled size', async () => {
    const pool = new FakePool(() => 0.0001);
    await drain(pool, mapInOrder(pool.submitChunk, range(50_000), {}, 2));
    assert.ok(Math.max(...pool.ahead) <= 9 * MAX_ADAPTIVE_CHUNK, `read ahead ${Math.max(...pool.ahead)}`);
  });

  test('an explicit chunksize is kept whatever the items cost', async () => {
    const pool = new FakePool(() => 0.0001);
    await drain(pool, mapInOrder(pool.submitChunk, range(1000), { chunksize: 3 }, 2));
    assert.ok(pool.sizes.slice(0, -1).every((size) => size === 3));
    assert.equal(pool.sizes.at(-1), 1);
  });
});

describe('map stops at its signal', () => {
  // Results already back (the rest of a chunk, chunks done meanwhile) are not yielded once the signal aborts.
  for (const chunksize of [10, undefined]) {
    test(`the step after the abort throws its reason (chunksize ${chunksize ?? 'not given'})`, async () => {
      const pool = new FakePool(() => 0.0001);
      const controller = new AbortController();
      const results = mapInOrder<number, number>(pool.submitChunk, range(5000), chunksize === undefined ? { signal: controller.signal } : { chunksize, signal: controller.signal }, 2);
      let taken = 0;
      // Late enough that the adaptive size has grown past one item, and in the middle of a chunk.
      for (; taken < 2005; taken++) assert.equal((await results.next()).value, 2 * taken);
      const reason = new Error('stop');
      controller.abort(reason);
      await assert.rejects(results.next(), (error) => error === reason);
      assert.deepEqual(await results.next(), { done: true, value: undefined });
    });
  }

  test('aborted before the first step, it neither starts its input nor submits anything', async () => {
    let started = 0;
    const sync: Iterable<number> = {
      [Symbol.iterator]: () => {
        started++;
        return range(100);
      },
    };
    const async: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => {
        started++;
        return asyncRange(100);
      },
    };
    for (const items of [sync, async]) {
      const pool = new FakePool(() => 0.0001);
      const reason = new Error('early');
      const results = mapInOrder<number, number>(pool.submitChunk, items, { signal: AbortSignal.abort(reason) }, 2);
      await assert.rejects(results.next(), (error) => error === reason);
      assert.equal(pool.sent, 0);
      assert.equal(started, 0);
    }
  });
});

describe('map reads its input as a for-of would', () => {
  test('checks it at the call, and starts iterating it only at the first step', async () => {
    const pool = new FakePool(() => 0);
    assert.throws(() => mapInOrder(pool.submitChunk, 42 as never, {}, 2), {
      name: 'TypeError',
      message: 'items must be an iterable or an async iterable, received 42',
    });
    let started = 0;
    const lazy: Iterable<number> = {
      [Symbol.iterator]: () => {
        started++;
        return range(3);
      },
    };
    const results = mapInOrder(pool.submitChunk, lazy, {}, 2);
    assert.equal(started, 0);
    assert.deepEqual(await drain(pool, results), [0, 2, 4]);
    assert.equal(started, 1);
    // Never iterated: never started.
    await mapInOrder(pool.submitChunk, lazy, {}, 2).return?.(undefined);
    assert.equal(started, 1);
  });
});

describe('chunking rules', () => {
  test('adaptive: the size follows the smoothed cost of an item, bounded by growth and by the largest size', () => {
    const chunking = new AdaptiveChunking(2, undefined);
    assert.equal(chunking.size, 1);
    chunking.record(1, 0);
    assert.equal(chunking.size, 4, 'free items: 4x the largest measured');
    chunking.record(4, 0);
    assert.equal(chunking.size, 16);
    chunking.record(16, 16 * TARGET_CHUNK_MS);
    // Smoothed: 0.3 of the newest cost, 0.7 of the cost before (nothing).
    assert.equal(chunking.size, Math.floor(1 / 0.3));
    chunking.record(1, 2 * TARGET_CHUNK_MS);
    assert.equal(chunking.size, 1, 'items past the target: one per chunk');
  });

  test('adaptive: while the size grows, two chunks per worker at most are in flight; then readAhead in items', () => {
    const chunking = new AdaptiveChunking(2, undefined);
    assert.equal(chunking.hasRoom(0, 0), true);
    assert.equal(chunking.hasRoom(3, 3), true);
    assert.equal(chunking.hasRoom(4, 4), false);
    chunking.record(1, 1);
    assert.equal(chunking.size, 1);
    assert.equal(chunking.hasRoom(1000, 1000), true);
    assert.equal(chunking.hasRoom(1024, 1024), false, 'max(1024, 4 x maxWorkers x size) items');
  });

  test('adaptive: a chunk with nothing measured teaches nothing', () => {
    const chunking = new AdaptiveChunking(2, undefined);
    chunking.record(0, 0);
    chunking.record(3, Number.NaN);
    assert.equal(chunking.size, 1);
    assert.equal(chunking.hasRoom(4, 4), false);
  });

  test('fixed: readAhead counts whole chunks, rounded down, one at least', () => {
    const chunking: Chunking = new FixedChunking(3, 10);
    chunking.record(3, 100);
    assert.equal(chunking.size, 3);
    assert.equal(chunking.hasRoom(2, 6), true);
    assert.equal(chunking.hasRoom(3, 9), false);
    const one: Chunking = new FixedChunking(5, 2);
    assert.equal(one.hasRoom(0, 0), true);
    assert.equal(one.hasRoom(1, 5), false);
  });
});
