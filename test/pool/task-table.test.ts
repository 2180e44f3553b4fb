import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineTask, taskRef } from '../../src/tasks/task.js';
import { TaskTable } from '../../src/pool/task-table.js';

const MODULE = new URL('../fixtures/tasks.js', import.meta.url).href;

test('fnIds are small integers, in the order the functions are first seen', () => {
  const table = new TaskTable();
  const double = (n: number): number => n * 2;
  const square = (n: number): number => n * n;
  assert.equal(table.fnIdOf(double), 0);
  assert.equal(table.fnIdOf(square), 1);
  assert.equal(table.fnIdOf(double), 0);
  assert.deepEqual(table.descriptor(0), { kind: 'source', name: 'double', source: double.toString() });
  assert.equal(table.descriptor(1).name, 'square');
});

test('equal sources share one fnId: a lambda written in a loop is one function', () => {
  const table = new TaskTable();
  const fnIds = new Set<number>();
  for (let i = 0; i < 3; i++) fnIds.add(table.fnIdOf((n: number) => n + 1));
  assert.deepEqual([...fnIds], [0]);
  assert.equal(table.fnIdOf((n: number) => n + 2), 1);
});

test('a module task is known by its module and name, whichever object names it', () => {
  const table = new TaskTable();
  const ref = taskRef(MODULE, 'add');
  const fnId = table.fnIdOf(ref);
  assert.equal(table.fnIdOf({ module: MODULE, name: 'add' }), fnId);
  assert.equal(table.fnIdOf(defineTask(MODULE, function add(a: number, b: number) { return a + b; })), fnId);
  assert.notEqual(table.fnIdOf(taskRef(MODULE, 'multiply')), fnId);
  assert.deepEqual(table.descriptor(fnId), { kind: 'module', module: MODULE, name: 'add' });
});

test('something that is not a task is refused, and takes no fnId', () => {
  const table = new TaskTable();
  assert.throws(() => table.fnIdOf(42), TypeError);
  assert.throws(() => table.fnIdOf({ module: MODULE }), TypeError);
  assert.equal(table.fnIdOf((n: number) => n), 0);
});
