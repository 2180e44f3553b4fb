import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChannelError } from 'aiox';
import { Host } from '../../src/manager/host.js';
import { hostQueue } from '../../src/manager/hosted-queue.js';
import type { CallContext } from '../../src/manager/hosted.js';
import { ManagedQueue } from '../../src/manager/managed-queue.js';

// The hosted queue driven directly, as the host drives it: for what the channel cannot show deterministically.

function callBy(peer: { gone: boolean }): CallContext {
  return { peer, signal: new AbortController().signal };
}

test('items handed to a getMany whose peer went before the reply left go back in the queue; none is lost', async () => {
  const { methods } = hostQueue(0, 'fifo');
  const peer = { gone: false };
  const taking = methods['getMany']!(callBy(peer), [Infinity, undefined]) as Promise<unknown[]>;
  const other = callBy({ gone: false });
  methods['putMany']!(other, [['a', 'b'], undefined]); // 'a' is handed to the waiting getMany at once
  peer.gone = true; // its connection closes before the answer is sent
  assert.deepEqual(await taking, ['a', 'b']); // what it took: 'a', then 'b', there when it woke
  assert.equal(methods['qsize']!(other, []), 2);
  assert.deepEqual(methods['getMany']!(other, [Infinity, undefined]), ['a', 'b']);
});

test('a single get whose peer went gives its item back the same way', async () => {
  const { methods } = hostQueue(0, 'fifo');
  const peer = { gone: false };
  const taking = methods['get']!(callBy(peer), [undefined]) as Promise<unknown>;
  const other = callBy({ gone: false });
  methods['put']!(other, ['a', undefined]);
  peer.gone = true;
  await taking;
  assert.deepEqual(methods['getMany']!(other, [Infinity, undefined]), ['a']);
});

test('the host checks what a peer sent: putMany takes an array, getMany a max >= 1', () => {
  const { methods } = hostQueue(0, 'fifo');
  const call = callBy({ gone: false });
  assert.throws(() => methods['putMany']!(call, ['not an array', undefined]), { name: 'TypeError', message: 'items must be an array, received "not an array"' });
  assert.throws(() => methods['getMany']!(call, [0, undefined]), { name: 'RangeError', message: 'max must be an integer >= 1, received 0' });
  assert.throws(() => methods['getMany']!(call, ['2', undefined]), RangeError);
  assert.throws(() => methods['getMany']!(call, [1, 'no options']), TypeError);
});

test('a getMany whose answer is over the frame limit fails alone, and its items go back in the queue', async () => {
  const host = new Host(1000); // answers over 1000 bytes cannot be sent
  try {
    const queue = new ManagedQueue<string>({ aioxManaged: 'queue', address: host.address, token: host.token, id: host.add(hostQueue(0, 'fifo')) });
    const items = ['a', 'b', 'c'].map((letter) => letter.repeat(400));
    for (const item of items) await queue.put(item); // each put's frame is small enough
    await assert.rejects(queue.getMany(), (error: unknown) => error instanceof ChannelError && /over the manager channel's limit of 1000/.test(error.message));
    assert.equal(await queue.qsize(), 3);
    assert.deepEqual(await queue.getMany({ max: 2 }), items.slice(0, 2));
    assert.deepEqual(await queue.getMany(), items.slice(2));
  } finally {
    host.close();
  }
});
