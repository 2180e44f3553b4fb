import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ThreadPoolExecutor, defineTask, taskRef } from 'aiox';

test('defineTask returns the function itself, still callable locally', () => {
  const double = defineTask(import.meta.url, function double(x: number): number {
    return x * 2;
  });
  assert.equal(double(4), 8);
  assert.equal(double.name, 'double');
});

test('defineTask rejects anonymous functions, non-functions and bad module URLs', () => {
  assert.throws(() => defineTask(import.meta.url, (() => () => 1)()), /must be a named function/);
  assert.throws(() => defineTask(import.meta.url, 3 as unknown as () => void), /fn must be a function, received 3/);
  assert.throws(() => defineTask('', function named() {}), /module must be a URL or a non-empty string/);
});

test('two different tasks with one name in one module are refused', () => {
  const url = 'file:///virtual/dupes.js';
  defineTask(url, function twin() {
    return 1;
  });
  assert.throws(
    () =>
      defineTask(url, function twin() {
        return 2;
      }),
    /already defined/,
  );
});

test('taskRef builds a { module, name } reference; absolute paths become file URLs', () => {
  assert.deepEqual(taskRef('/tmp/tasks.js', 'work'), { module: 'file:///tmp/tasks.js', name: 'work' });
});

test('submit refuses what cannot travel to a worker, with a TypeError that says why', async () => {
  await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  assert.throws(() => pool.submit(Math.max as (...a: number[]) => number, 1, 2), /native or bound/);
  assert.throws(() => pool.submit(((x: number) => x).bind(null), 1), /native or bound/);
  assert.throws(() => pool.submit(class Foo {} as unknown as () => void), /received a class/);
  assert.throws(() => pool.submit(42 as unknown as () => void), /task must be a function or a \{ module, name \} reference, received 42/);
  assert.throws(() => pool.submit({ module: import.meta.url, name: '' }), /task name must be a non-empty string/);
});

test('methods written in shorthand travel as source too', async () => {
  await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  const holder = {
    triple(x: number): number {
      return x * 3;
    },
  };
  assert.equal(await pool.submit(holder.triple, 5), 15);
});

test('a relative path, a bare name or a directory is refused at once; an absolute path becomes its file URL', async () => {
  const relative = /module must be an absolute URL or file path \(pass import\.meta\.url.*\), received "\.\/tasks\.mjs": a relative path or bare name would be resolved against aiox's files, not yours/;
  assert.throws(() => taskRef('./tasks.mjs', 'ok'), relative);
  assert.throws(() => defineTask('./x.js', function relativeTask() {}), /received "\.\/x\.js"/);
  assert.throws(() => taskRef('tasks.js', 'ok'), /received "tasks\.js": a relative path or bare name/);
  const dirname = fileURLToPath(new URL('.', import.meta.url)).replace(/\/$/, '');
  assert.throws(() => defineTask(dirname, function inDirectory() {}), /which is a directory \(import\.meta\.dirname is not the module\)/);
  assert.throws(() => taskRef(new URL('.', import.meta.url), 'ok'), /which is a directory/);
  await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  assert.throws(() => pool.submit({ module: './tasks.mjs', name: 'ok' }), relative);
  const path = fileURLToPath(new URL('../fixtures/tasks.js', import.meta.url));
  assert.equal(taskRef(path, 'add').module, pathToFileURL(path).href);
  assert.equal(taskRef('node:child_process', 'execSync').module, 'node:child_process');
});
