import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LifoQueue, Queue } from 'aiox';
import { nextTurn, track } from '../fixtures/settle.js';

test('a LifoQueue returns the newest item first and is a Queue', async () => {
  const q = new LifoQueue<number>({ maxsize: 3 });
  assert.ok(q instanceof Queue);
  for (const n of [1, 2, 3]) q.putNowait(n);
  assert.deepEqual([q.getNowait(), q.getNowait(), await q.get()], [3, 2, 1]);
});

test('a waiting put enters the stack when a get makes room', async () => {
  const q = new LifoQueue<number>({ maxsize: 1 });
  q.putNowait(1);
  const put = track(q.put(2));
  assert.equal(q.getNowait(), 1);
  await nextTurn();
  assert.equal(put.state, 'fulfilled');
  assert.equal(q.getNowait(), 2);
});
