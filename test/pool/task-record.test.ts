import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Future } from '../../src/futures/future.js';
import { MAX_EXPECTED_NS, TaskRecord } from '../../src/pool/task-record.js';
import { taskCode } from '../../src/wire/protocol.js';

const record = (): TaskRecord => new TaskRecord(new Future<unknown>(), taskCode(0, false), [], undefined);

test('a record keeps its expected time as a small integer of nanoseconds: no fraction, NaN or -0', () => {
  const values: [number, number][] = [
    [Number.NaN, -1],
    [0, 0],
    [-0, 0],
    [0.00031, 310],
    [1.5, 1_500_000],
    [60_000, MAX_EXPECTED_NS],
  ];
  for (const [ms, ns] of values) {
    const r = record();
    r.sending(ms);
    assert.ok(Object.is(r.expectedNs, ns), `${ms} ms is held as ${r.expectedNs}, expected ${ns}`);
  }
});

test('sending() says whether the wait was timed, at the first send only', () => {
  const timed = record();
  timed.timeWait();
  assert.equal(timed.sending(0.1), true);
  assert.equal(timed.sending(0.1), false, 'a task sent again is not timed again');
  const untimed = record();
  assert.equal(untimed.sending(Number.NaN), false);
});

test('a record gives back its arguments and its transfer list, with or without one', () => {
  const args = [new ArrayBuffer(8)];
  const plain = new TaskRecord(new Future<unknown>(), taskCode(0, false), args, undefined);
  assert.equal(plain.args, args);
  assert.equal(plain.transfer, undefined);
  const transfer = [args[0]];
  const moving = new TaskRecord(new Future<unknown>(), taskCode(0, false), args, transfer);
  assert.equal(moving.args, args);
  assert.equal(moving.transfer, transfer);
});
