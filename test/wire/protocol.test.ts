import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  RESULT_OK,
  RESULTS_HEADER,
  RUN_HEADER,
  fnIdOf,
  isListened,
  seqAt,
  taskCode,
  type ResultsMessage,
  type RunMessage,
} from '../../src/wire/protocol.js';

test('a TaskCode names its function, a chunk of its calls apart from one call', () => {
  for (const fnId of [0, 1, 7, 2 ** 20]) {
    const call = taskCode(fnId, false);
    const chunk = taskCode(fnId, true);
    assert.notEqual(call, chunk);
    assert.ok(call >= 0 && chunk < 0, `call ${call} and chunk ${chunk} of fnId ${fnId}`);
    assert.equal(fnIdOf(call), fnId);
    assert.equal(fnIdOf(chunk), fnId);
  }
});

test('the messages are typed: a header of the wrong type does not compile', () => {
  const run: RunMessage = [5, 0, 0, taskCode(0, false), [1, 2]];
  const results: ResultsMessage = [0.5, 42, RESULT_OK, 3];
  // @ts-expect-error: a batch starts with the seq of its first task, a number
  const badRun: RunMessage = ['5', 0];
  // @ts-expect-error: defs is a list of [fnId, descriptor] or 0
  const badDefs: RunMessage = [5, 1];
  // @ts-expect-error: results start with the busy time and the worker's token
  const badResults: ResultsMessage = [0.5];
  assert.equal((run.length - RUN_HEADER) / 2, 1);
  assert.equal((results.length - RESULTS_HEADER) / 2, 1);
  assert.equal([badRun, badDefs, badResults].length, 3);
});

test('a TaskCode says whether the caller listens to the task\'s reports, and names the same function either way', () => {
  for (const fnId of [0, 1, 7, 2 ** 20]) {
    for (const chunk of [false, true]) {
      const plain = taskCode(fnId, chunk);
      const listened = taskCode(fnId, chunk, true);
      assert.equal(isListened(plain), false);
      assert.equal(isListened(listened), true);
      assert.equal(fnIdOf(listened), fnId);
      assert.equal(listened < 0, chunk, 'a chunk stays negative');
    }
  }
});

test('seqAt numbers the tasks of a batch from its first seq, and past its end gives the seq that follows', () => {
  const run: RunMessage = [40, 0, 0, taskCode(0, false), [1], taskCode(0, false), [2], taskCode(1, true), [[3]]];
  assert.deepEqual([RUN_HEADER, RUN_HEADER + 2, RUN_HEADER + 4].map((index) => seqAt(run, index)), [40, 41, 42]);
  assert.equal(seqAt(run, run.length), 43);
  // The first seq is typed: no cast reads it.
  const first: number = run[0];
  assert.equal(first, seqAt(run, RUN_HEADER));
});
