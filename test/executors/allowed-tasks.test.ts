import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TaskNotAllowed, taskRef } from 'aiox';
import { add, initialize } from '../fixtures/tasks.js';
import { KINDS, makePool } from './pools.js';

const fixtures = new URL('../fixtures/', import.meta.url);

for (const kind of KINDS) {
  test(`${kind} pool: allowedTasks lets listed modules run and refuses the rest at submit, naming the module`, async () => {
    await using pool = makePool(kind, { maxWorkers: 1, allowedTasks: { modules: [fixtures] } });
    assert.equal(await pool.submit(add, 2, 3), 5);
    assert.throws(() => pool.submit(taskRef<(command: string) => string>('node:child_process', 'execSync'), 'echo pwned'), (e: Error) => {
      assert.ok(e instanceof TaskNotAllowed);
      assert.equal((e as TaskNotAllowed).code, 'ERR_AIOX_TASK_NOT_ALLOWED');
      assert.match(e.message, /^task execSync comes from node:child_process, which is not in this pool's allowedTasks\.modules$/);
      return true;
    });
    const dataUrl = `data:text/javascript,${encodeURIComponent('export function evil() { return 1; }')}`;
    assert.throws(() => pool.submit(taskRef(dataUrl, 'evil')), TaskNotAllowed);
    assert.throws(() => pool.submitWith((x: number) => x, [1], {}), /is a function sent as source, which this pool's allowedTasks does not allow/);
    assert.throws(() => pool.map(() => 1, [1]), TaskNotAllowed);
    // `..` cannot climb out of a listed folder, and a folder's name is no prefix of a sibling's.
    assert.throws(() => pool.submit(taskRef(new URL('../fixtures/../sync/lock.test.js', import.meta.url), 'x')), TaskNotAllowed);
    assert.throws(() => pool.submit(taskRef(new URL('../fixtures-evil/x.js', import.meta.url), 'x')), TaskNotAllowed);
  });
}

test('allowedTasks: exact modules, absolute paths, source functions when allowed, the initializer, bad lists', async () => {
  const tasksPath = fileURLToPath(new URL('tasks.js', fixtures));
  {
    await using pool = makePool('thread', { maxWorkers: 1, allowedTasks: { modules: [tasksPath], sourceFunctions: true } });
    assert.equal(await pool.submit(add, 1, 1), 2);
    assert.equal(await pool.submit((x: number) => x * 3, 2), 6);
    assert.throws(() => pool.submit(taskRef(new URL('gate.js', fixtures), 'x')), TaskNotAllowed);
  }
  assert.throws(() => makePool('thread', { initializer: initialize, allowedTasks: { modules: ['file:///elsewhere/'] } }), /task initialize comes from .*tasks\.js, which is not in/);
  assert.throws(() => makePool('thread', { allowedTasks: null as never }), /^TypeError: allowedTasks must be an object, received null$/);
  assert.throws(() => makePool('thread', { allowedTasks: {} as never }), /allowedTasks\.modules must be an array of URLs or absolute paths, received undefined/);
  assert.throws(() => makePool('thread', { allowedTasks: { modules: ['./tasks/'] } }), /allowedTasks\.modules\[0\] must be a URL or an absolute path or URL string, received "\.\/tasks\/"/);
  assert.throws(() => makePool('thread', { allowedTasks: { modules: [], sourceFunctions: 'yes' as never } }), /allowedTasks\.sourceFunctions must be a boolean/);
});
