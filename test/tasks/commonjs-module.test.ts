import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { InvalidStateError, ProcessPoolExecutor, ThreadPoolExecutor, taskRef } from 'aiox';

// A task module in a .cjs file is required in the worker rather than imported (src/tasks/import-guard.ts):
// what a task sees must be what import() would give, and a worker must never load it twice.
const MODULES: Record<string, string> = {
  'tasks.cjs': [
    "const { defineTask } = require('aiox');",
    'exports.add = (a, b) => a + b;',
    // cjs-module-lexer, which lists the named exports import() gives, cannot read a computed name.
    "const name = ['comp', 'uted'].join('');",
    'exports[name] = () => "found";',
    "defineTask(__filename, function defined(x) { return `defined ${x}`; });",
    'exports.notAFunction = 7;',
  ].join('\n'),
  'whole.cjs': 'module.exports = function whole(x) { return x * 3; };',
  'es-flag.cjs': 'exports.__esModule = true;\nexports.default = () => "inner";\nexports.named = () => "named";',
  'counter.cjs': 'let count = 0;\nexports.bump = () => ++count;\nexports.read = () => count;',
  'reader.mjs': "import counter from './counter.cjs';\nexport const read = () => counter.read();",
  'starts-pool.cjs': "const { ThreadPoolExecutor } = require('aiox');\nnew ThreadPoolExecutor();\nexports.never = () => 1;",
};

let dir: string;
const ref = <F extends (...args: never[]) => unknown>(file: string, name: string) => taskRef<F>(pathToFileURL(join(dir, file)), name);

before(() => {
  // Inside the package (build/), so that `require('aiox')` finds it by its name, as an application's would.
  dir = mkdtempSync(join(fileURLToPath(new URL('../../', import.meta.url)), 'aiox-cjs-'));
  for (const [file, source] of Object.entries(MODULES)) writeFileSync(join(dir, file), source);
});
after(() => rmSync(dir, { recursive: true, force: true }));

for (const kind of ['thread', 'process'] as const) {
  describe(`a .cjs task module in a ${kind} pool`, { timeout: 60_000 }, () => {
    const newPool = (): ThreadPoolExecutor | ProcessPoolExecutor =>
      kind === 'thread' ? new ThreadPoolExecutor({ maxWorkers: 1 }) : new ProcessPoolExecutor({ maxWorkers: 1 });

    test('its named exports, its defineTask functions and a function under a computed name run', async () => {
      await using pool = newPool();
      assert.equal(await pool.submit(ref<(a: number, b: number) => number>('tasks.cjs', 'add'), 2, 3), 5);
      assert.equal(await pool.submit(ref<(x: string) => string>('tasks.cjs', 'defined'), 'x'), 'defined x');
      assert.equal(await pool.submit(ref<() => string>('tasks.cjs', 'computed')), 'found');
    });

    test('default is module.exports, as import() gives it, even with __esModule set', async () => {
      await using pool = newPool();
      assert.equal(await pool.submit(ref<(x: number) => number>('whole.cjs', 'default'), 4), 12);
      await assert.rejects(pool.submit(ref<() => string>('es-flag.cjs', 'default')), /no task named "default" in file:.*es-flag\.cjs/);
      assert.equal(await pool.submit(ref<() => string>('es-flag.cjs', 'named')), 'named');
    });

    test("what is not an own function export is no task: Object.prototype's methods, a number", async () => {
      await using pool = newPool();
      for (const name of ['toString', 'constructor', 'hasOwnProperty', 'notAFunction', 'missing']) {
        await assert.rejects(pool.submit(ref<() => unknown>('tasks.cjs', name)), new RegExp(`no task named "${name}"`));
      }
    });

    test('a worker loads it once, and an ES module there that imports it shares the instance', async () => {
      await using pool = newPool();
      const bump = ref<() => number>('counter.cjs', 'bump');
      assert.deepEqual([await pool.submit(bump), await pool.submit(bump), await pool.submit(bump)], [1, 2, 3]);
      assert.equal(await pool.submit(ref<() => number>('reader.mjs', 'read')), 3);
    });

    test('one that starts a pool when required fails as an imported one does', async () => {
      await using pool = newPool();
      await assert.rejects(pool.submit(ref<() => number>('starts-pool.cjs', 'never')), (error: unknown) => {
        assert.ok(error instanceof InvalidStateError, String(error));
        assert.match(error.message, /was started while a worker imported the task module file:.*starts-pool\.cjs/);
        return true;
      });
    });

    test('a missing one fails its task, naming the file', async () => {
      await using pool = newPool();
      await assert.rejects(pool.submit(ref<() => number>('missing.cjs', 'x')), /missing\.cjs/);
      assert.equal(await pool.submit(ref<(a: number, b: number) => number>('tasks.cjs', 'add'), 1, 1), 2, 'the worker serves on');
    });
  });
}
