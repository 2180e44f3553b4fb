import assert from 'node:assert/strict';
import { test } from 'node:test';

// load-task is internal, so it comes from the sources compiled file by file with the tests (build/src/); the
// package itself is a bundle that does not expose it.
type LoadTaskModule = typeof import('../../src/tasks/load-task.js');
const { explainSourceError, loadTask } = (await import(new URL('../../src/tasks/load-task.js', import.meta.url).href)) as LoadTaskModule;

const run = async (source: string, ...args: unknown[]): Promise<unknown> => (await loadTask({ kind: 'source', source, name: 'task' }))(...args);

// What each compiler made of one function with a nested function, an arrow and a class with a field, for the
// targets where it still adds a helper to the function's own body (see src/tasks/transpiler-helpers.ts).
const compiled = {
  'esbuild keepNames (tsx)':
    'n=>{function square(x){return x*x}__name(square,"square");const twice=__name(x=>x*2,"twice");' +
    'class Box{static{__name(this,"Box")}value=0;constructor(v){this.value=v}get(){return this.value}}' +
    'return [new Box(twice(square(n))).get(), square.name, twice.name, Box.name]}',
  'esbuild, class fields lowered':
    '(n) => { const _Box = class _Box { constructor(v) { __publicField(this, "value", 0); this.value = v; } }; ' +
    '__name(_Box, "Box"); let Box = _Box; return [new Box(n).value, Box.name, Object.keys(new Box(n))]; }',
  'SWC es2020': '(n)=>{ class Box { constructor(v){ _define_property(this, "value", 0); this.value = v; } } return [new Box(n).value, "Box", ["value"]]; }',
  'Babel': '(n)=>{ class Box { constructor(v){ _defineProperty(this, "value", 0); this.value = v; } } return [new Box(n).value, "Box", ["value"]]; }',
};

test('a function sent as source survives the naming helper esbuild (tsx) adds', async () => {
  assert.deepEqual(await run(compiled['esbuild keepNames (tsx)'], 3), [18, 'square', 'twice', 'Box']);
});

test('a function sent as source survives the class field helpers of esbuild, SWC and Babel', async () => {
  assert.deepEqual(await run(compiled['esbuild, class fields lowered'], 5), [5, 'Box', ['value']]);
  assert.deepEqual(await run(compiled['SWC es2020'], 6), [6, 'Box', ['value']]);
  assert.deepEqual(await run(compiled.Babel, 7), [7, 'Box', ['value']]);
});

test('a shorthand method that uses a helper compiles too', async () => {
  assert.equal(await run('twice(x) { const f = __name(() => x * 2, "f"); return f.name + f(); }', 4), 'f8');
});

test('a helper that is not provided is named, with the fix', async () => {
  const error = await run('function later() { return __awaiter(this, void 0, void 0, function* () { return 1; }); }').catch(
    (caught: unknown) => explainSourceError(caught, 'later'),
  );
  assert.ok(error instanceof ReferenceError);
  assert.match(error.message, /uses "__awaiter"/);
  assert.match(error.message, /If your compiler added "__awaiter".*compile for ES2022 or later/);
  const plain = explainSourceError(new ReferenceError('limit is not defined'), 'task') as Error;
  assert.doesNotMatch(plain.message, /compiler/);
});

test('a TypeScript task module with no loader fails with an error that names the fix', async () => {
  const module = new URL('../../../test/fixtures/ts-loader/component.tsx', import.meta.url).href;
  await assert.rejects(loadTask({ kind: 'module', module, name: 'label' }), (error: Error) => {
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /component\.tsx is TypeScript, and no TypeScript loader runs in this worker/);
    assert.match(error.message, /npx tsx main\.ts/);
    assert.equal((error.cause as { code?: string }).code, 'ERR_UNKNOWN_FILE_EXTENSION');
    return true;
  });
});
