import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { forceLoopCycle } from 'aiox';

describe('forceLoopCycle', () => {
  test('resolves after one turn: immediates queued before it and pending microtasks run first', async () => {
    const order: string[] = [];
    setImmediate(() => order.push('immediate queued before'));
    queueMicrotask(() => order.push('microtask'));
    const cycle = forceLoopCycle().then(() => order.push('cycle'));
    setImmediate(() => order.push('immediate queued after'));
    await Promise.resolve();
    assert.deepEqual(order, ['microtask'], 'does not resolve within the current turn');
    await cycle;
    assert.deepEqual(order, ['microtask', 'immediate queued before', 'cycle']);
  });
});
