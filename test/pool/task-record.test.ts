import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Future } from '../../src/futures/future.js';
import { StopHook } from '../../src/pool/stop-hooks.js';
import { MAX_EXPECTED_NS, StoppableRecord, TaskRecord } from '../../src/pool/task-record.js';
import { taskCode } from '../../src/wire/protocol.js';

const record = (): TaskRecord => new TaskRecord(taskCode(0, false), [], undefined);

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
  const plain = new TaskRecord(taskCode(0, false), args, undefined);
  assert.deepEqual(plain.args, args);
  assert.equal(plain.args[0], args[0]);
  assert.equal(plain.transfer, undefined);
  const transfer = [args[0]];
  const moving = new TaskRecord(taskCode(0, false), args, transfer);
  assert.equal(moving.args, args);
  assert.equal(moving.transfer, transfer);
});

test('a record gives back the arguments of a call however many there are, and a map chunk its list', () => {
  for (const args of [[], [1], [undefined], [1, 'b'], [undefined, undefined], [1, 2, 3], [[1], [2]]]) {
    const r = new TaskRecord(taskCode(3, false), args, undefined);
    assert.deepEqual(r.args, args);
    assert.equal(r.args.length, args.length);
    assert.equal(r.code, taskCode(3, false));
    assert.equal(r.items, 1);
  }
  const chunk = [[1], [2], [3]];
  const r = new TaskRecord(taskCode(3, true), chunk, undefined);
  assert.equal(r.args, chunk);
  assert.equal(r.code, taskCode(3, true));
  assert.equal(r.items, 3);
});

test('a record is the future of its task, which await and Promise.all take as a promise', async () => {
  const r = new TaskRecord(taskCode(0, false), [], undefined);
  assert.ok(r instanceof Future);
  assert.equal(r.constructor, Promise);
  assert.deepEqual(Object.keys(r), []);
  r.setRunningOrNotifyCancel();
  r.setResult(7);
  assert.equal(await r, 7);
});

test('an awaiter of a record resumes as early as one of a plain promise settled at the same moment', async () => {
  // A subclass whose prototype named its own constructor would be adopted as a thenable, two jobs later.
  const order: string[] = [];
  const r = new TaskRecord(taskCode(0, false), [], undefined);
  r.setRunningOrNotifyCancel();
  let settle!: (value: unknown) => void;
  const plain = new Promise((resolve) => (settle = resolve));
  const both = Promise.all([
    (async () => {
      await r;
      order.push('record');
    })(),
    (async () => {
      await plain;
      order.push('promise');
    })(),
  ]);
  r.setResult(1);
  settle(1);
  await both;
  assert.deepEqual(order, ['record', 'promise']);
});

test('only a record of a task with a signal, a timeout or BACKGROUND holds a stop hook', () => {
  const plain = new TaskRecord(taskCode(0, false), [], undefined);
  assert.equal(plain.stop, undefined);
  // Its `stop` has no setter: the stop hooks arm only a StoppableRecord.
  assert.throws(() => ((plain as { stop: unknown }).stop = new StopHook(undefined, 1, false)), TypeError);
  const stoppable = new StoppableRecord(taskCode(0, false), [1, 2], undefined);
  const hook = new StopHook(undefined, 1, false);
  stoppable.stop = hook;
  assert.equal(stoppable.stop, hook);
  assert.deepEqual(stoppable.args, [1, 2]);
  // Like any record, a promise that await and Promise.all take as it is, with no field of its own showing.
  assert.equal(stoppable.constructor, Promise);
  assert.deepEqual(Object.keys(stoppable), []);
});
