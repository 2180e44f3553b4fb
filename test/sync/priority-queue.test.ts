import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PriorityQueue, Queue, comparePriority } from 'aiox';

test('a PriorityQueue returns the smallest entry first; [priority, data] entries compare like tuples', () => {
  const q = new PriorityQueue<[number, string]>();
  assert.ok(q instanceof Queue);
  for (const entry of [[3, 'c'], [1, 'b'], [2, 'x'], [1, 'a']] as [number, string][]) q.putNowait(entry);
  assert.deepEqual([q.getNowait(), q.getNowait(), q.getNowait(), q.getNowait()], [[1, 'a'], [1, 'b'], [2, 'x'], [3, 'c']]);
});

test('entries that compare equal come out in the order they were put', () => {
  const q = new PriorityQueue<{ p: number; id: number }>({ compare: (a, b) => a.p - b.p });
  for (let id = 0; id < 20; id++) q.putNowait({ p: id % 2, id });
  const out = Array.from({ length: 20 }, () => q.getNowait().id);
  assert.deepEqual(out, [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
});

test('many random numbers come out sorted', () => {
  const q = new PriorityQueue<number>();
  let seed = 7;
  const values = Array.from({ length: 500 }, () => (seed = (seed * 1103515245 + 12345) % 2 ** 31));
  for (const v of values) q.putNowait(v);
  const out = Array.from({ length: values.length }, () => q.getNowait());
  assert.deepEqual(out, [...values].sort((a, b) => a - b));
});

test('comparePriority orders numbers, strings, bigints and arrays, and refuses the rest', () => {
  assert.equal(comparePriority(1, 2), -1);
  assert.equal(comparePriority('b', 'a'), 1);
  assert.equal(comparePriority(2n, 2n), 0);
  assert.ok(comparePriority([1], [1, 0]) < 0);
  assert.throws(() => comparePriority({}, {}), TypeError);
  assert.throws(() => comparePriority(1, '1'), TypeError);
  assert.throws(() => new PriorityQueue({ compare: 3 as never }), TypeError);
});

test('an entry that cannot be compared is refused and leaves the queue as it was', () => {
  const q = new PriorityQueue<unknown>();
  q.putNowait(2);
  q.putNowait(1);
  assert.throws(() => q.putNowait('three'), TypeError);
  assert.equal(q.qsize(), 2);
  assert.deepEqual([q.getNowait(), q.getNowait()], [1, 2]);
});
