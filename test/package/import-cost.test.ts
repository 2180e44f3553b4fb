import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, cpSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, test } from 'node:test';

const AIOX = new URL('../../../dist/index.js', import.meta.url).href;
const scratch = mkdtempSync(join(tmpdir(), 'aiox-import-cost-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let scripts = 0;

/**
 * The Node modules a fresh process has loaded once `script` (an ES module's body) has run. Its output goes
 * to files: where process.stdout or process.stderr is a pipe, Node makes it a net socket, and the output
 * of a worker thread is piped to them.
 */
async function loadedBy(script: string): Promise<string[]> {
  const base = join(scratch, `script-${scripts++}`);
  // node:fs is not imported: that would load fs's streams (see the test of them below).
  writeFileSync(`${base}.mjs`, `${script}\nprocess.getBuiltinModule('node:fs').writeFileSync(${JSON.stringify(`${base}.json`)}, JSON.stringify(process.moduleLoadList));\n`);
  const stderr = openSync(`${base}.err`, 'w');
  try {
    const child = spawn(process.execPath, [`${base}.mjs`], { stdio: ['ignore', 'ignore', stderr], timeout: 60_000, killSignal: 'SIGKILL' });
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0, readFileSync(`${base}.err`, 'utf8'));
  } finally {
    closeSync(stderr);
  }
  const loaded = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as string[];
  return loaded.filter((name) => name.startsWith('NativeModule ')).map((name) => name.slice('NativeModule '.length));
}

// What only process pools need is loaded on their first use: a program's start-up pays for it only then.
const PROCESS_ONLY = ['child_process', 'net', 'dgram'];

test("import 'aiox' and a thread pool's first task load no module only process pools need", async () => {
  const loaded = await loadedBy(`
    const { ThreadPoolExecutor } = await import(${JSON.stringify(AIOX)});
    const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    await pool.submit((a, b) => a + b, 1, 2);
    await pool.shutdown();
  `);
  assert.deepEqual(PROCESS_ONLY.filter((name) => loaded.includes(name)), []);
});

test('a process pool loads them when it starts its first worker, and runs', async () => {
  const loaded = await loadedBy(`
    const { ProcessPoolExecutor } = await import(${JSON.stringify(AIOX)});
    const pool = new ProcessPoolExecutor({ maxWorkers: 1 });
    if ((await pool.submit((a, b) => a + b, 1, 2)) !== 3) throw new Error('wrong result');
    await pool.shutdown();
  `);
  assert.deepEqual(PROCESS_ONLY.filter((name) => !loaded.includes(name)), []);
});

// An ES module's `import ... from 'node:fs'` loads fs's streams (the import reads every export of node:fs,
// `ReadStream` among them), 5-10 ms of a fresh process's or thread's start. The bundles take Node's modules with
// process.getBuiltinModule instead: neither the program nor its workers load them for a first task.
test("import 'aiox' and a first task, thread or process, load fs's streams neither in the program nor in the worker", async () => {
  const loaded = await loadedBy(`
    const { ProcessPoolExecutor, ThreadPoolExecutor } = await import(${JSON.stringify(AIOX)});
    for (const pool of [new ThreadPoolExecutor({ maxWorkers: 1 }), new ProcessPoolExecutor({ maxWorkers: 1 })]) {
      const inWorker = await pool.submit(() => process.moduleLoadList.includes('NativeModule internal/fs/streams'));
      if (inWorker !== false) throw new Error('a worker loaded fs streams');
      await pool.shutdown();
    }
  `);
  assert.ok(!loaded.includes('internal/fs/streams'), 'the program loaded fs streams');
});

// dist/index.js leaves the Manager, the shared-memory primitives and sync/ to dist/extras.cjs, required on the
// first use of one of them (see scripts/bundle.js). In a copy of the bundles where requiring it throws,
// pools, futures and aio/ work, and the first use of one of those exports fails with that error.
test('a program that uses no Manager, shared or sync primitive does not load dist/extras.cjs; one that does loads it', async () => {
  const copy = join(scratch, 'dist-no-extras');
  cpSync(fileURLToPath(new URL('../../../dist/', import.meta.url)), copy, { recursive: true });
  writeFileSync(join(copy, 'extras.cjs'), "throw new Error('the extras were loaded');\n");
  await loadedBy(`
    const aiox = await import(${JSON.stringify(pathToFileURL(join(copy, 'index.js')).href)});
    for (const pool of [new aiox.ThreadPoolExecutor({ maxWorkers: 1 }), new aiox.ProcessPoolExecutor({ maxWorkers: 1 })]) {
      const futures = [pool.submit((a, b) => a + b, 1, 2), pool.submit((a, b) => a * b, 2, 3)];
      await aiox.wait(futures);
      await aiox.sleep(0);
      if (futures[0].result() !== 3 || futures[1].result() !== 6) throw new Error('wrong result');
      await pool.shutdown();
    }
    for (const use of [() => new aiox.Event(), () => new aiox.Manager(), () => aiox.SharedLock.from, () => aiox.Queue.name]) {
      let error;
      try {
        use();
      } catch (e) {
        error = e;
      }
      if (!/the extras were loaded/.test(error?.message)) throw new Error('a use of the extras did not load them: ' + use);
    }
  `);
});

// A worker's bundle leaves out what revives a Manager's proxies (dist/worker/proxies.js, over a third of
// it): a worker imports that file only for a task whose arguments hold a proxy. In a copy of the bundles
// where importing it throws, plain tasks still run, and a task given a proxy fails with that error.
test("a plain task's worker, thread or process, does not load the proxies' reviver; a task given a proxy does", async () => {
  const copy = join(scratch, 'dist-copy');
  cpSync(fileURLToPath(new URL('../../../dist/', import.meta.url)), copy, { recursive: true });
  writeFileSync(join(copy, 'worker', 'proxies.js'), "throw new Error('the reviver was loaded');\n");
  await loadedBy(`
    const { Manager, ProcessPoolExecutor, ThreadPoolExecutor } = await import(${JSON.stringify(pathToFileURL(join(copy, 'index.js')).href)});
    for (const pool of [new ThreadPoolExecutor({ maxWorkers: 1 }), new ProcessPoolExecutor({ maxWorkers: 1 })]) {
      if ((await pool.submit((a, b) => a + b, 1, 2)) !== 3) throw new Error('wrong result');
      const manager = new Manager();
      const error = await pool.submit((queue) => typeof queue, manager.queue()).then(() => undefined, (e) => e);
      if (error?.message !== 'the reviver was loaded') throw new Error('a task given a proxy did not load the reviver: ' + error);
      await manager.shutdown();
      await pool.shutdown();
    }
  `);
});

// aiox/bullmq is an entry of its own: the core's bundles never import its peer dependencies, so a program
// that uses aiox without bullmq installed never needs them (test/package/install.test.ts runs one).
test("the core's bundles import neither bullmq nor ioredis; aiox/bullmq imports them and the core's entry", () => {
  const importsOf = (file: string): string[] =>
    // The bundles are minified (whitespace): a statement may start anywhere on a line.
    [...readFileSync(new URL(`../../../dist/${file}`, import.meta.url), 'utf8').matchAll(/(?:^|[;{}])\s*(?:import|export)\b[^'"]*?from\s*["']([^"']+)["']/gm)].map((m) => m[1]!);
  for (const file of ['index.js', 'worker/thread-entry.cjs', 'worker/process-entry.cjs', 'worker/sync-entry.js']) {
    assert.deepEqual(importsOf(file).filter((name) => /bullmq|ioredis/.test(name)), [], file);
  }
  assert.doesNotMatch(readFileSync(new URL('../../../dist/extras.cjs', import.meta.url), 'utf8'), /require\(["'](?:bullmq|ioredis)/);
  const bullmq = importsOf('bullmq/index.js');
  for (const name of ['bullmq', 'ioredis', '../index.js']) assert.ok(bullmq.includes(name), `dist/bullmq/index.js does not import ${name}`);
});
