import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { copyRepo } from '../fixtures/repo-copy.js';

// What a user gets: the package is packed from a copy of the sources with no dist/ (as a fresh clone or a git
// install has it), so only the package's own lifecycle scripts can build what the tarball ships. The tarball
// is then installed into a new project, offline (aiox has no runtime dependencies), and used from there.
const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const blocks = (lang: string): string[] => [...README.matchAll(new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map((m) => m[1]!);
const printed = (code: string): string[] => [...code.matchAll(/\/\/ → (.*)$/gm)].map((m) => m[1]!);
const OPTIONS = { timeout: 180_000, killSignal: 'SIGKILL' as const, maxBuffer: 16 * 1024 * 1024 };

let scratch = '';
let tarball = '';
let shipped: string[] = [];
let app = '';

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'aiox-install-'));
  const source = join(scratch, 'source');
  copyRepo(source);
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: source, ...OPTIONS });
  const [report] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  tarball = join(scratch, report!.filename);
  shipped = report!.files.map((file) => file.path);

  app = join(scratch, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: app, ...OPTIONS });
});

after(() => {
  if (scratch !== '') rmSync(scratch, { recursive: true, force: true });
});

test('the tarball ships the compiled code, its types and the license', () => {
  for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/worker/thread-entry.cjs', 'dist/worker/process-entry.cjs', 'LICENSE']) {
    assert.ok(shipped.includes(file), `${file} is not in the tarball`);
  }
  assert.ok(!shipped.some((file) => file.startsWith('src/') || file.startsWith('test/')), 'sources or tests are shipped');
});

// A program's start, and each worker's, reads and compiles one file of aiox rather than dozens: the module
// loader's cost per file is most of a cold start. A worker imports one more only for a task given a
// Manager's proxy (dist/worker/proxies.js); a program requires one more on its first use of the Manager,
// the shared-memory primitives or sync/ (dist/extras.cjs).
test('the tarball ships one bundled file per entry: the main one and its extras, one per kind of worker, the proxies\' reviver, aiox/bullmq and its command', () => {
  const code = shipped.filter((file) => file.startsWith('dist/') && /\.c?js$/.test(file)).sort();
  assert.deepEqual(code, [
    'dist/bullmq/cli.js',
    'dist/bullmq/index.js',
    'dist/extras.cjs',
    'dist/index.js',
    'dist/worker/process-entry.cjs',
    'dist/worker/proxies.js',
    'dist/worker/sync-entry.js',
    'dist/worker/thread-entry.cjs',
  ]);
});

test('source maps carry the sources they point to, since src/ is not shipped', () => {
  const maps = shipped.filter((file) => /\.c?js\.map$/.test(file));
  assert.equal(maps.length, 8, `found ${maps.length} source maps`);
  for (const file of maps) {
    const map = JSON.parse(readFileSync(join(app, 'node_modules/aiox', file), 'utf8')) as { sources: string[]; sourcesContent?: string[] };
    assert.equal(map.sourcesContent?.length, map.sources.length, `${file} does not embed its sources`);
    assert.ok(map.sourcesContent.every((text) => text.length > 0), `${file} embeds an empty source`);
  }
});

test('every relative link in the shipped docs resolves inside the tarball', () => {
  const files = new Set(shipped);
  const folders = new Set(shipped.flatMap((file) => file.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))));
  const broken: string[] = [];
  for (const doc of shipped.filter((file) => file.endsWith('.md'))) {
    const text = readFileSync(join(app, 'node_modules/aiox', doc), 'utf8');
    for (const [, target] of text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/i.test(target!)) continue;
      const path = normalize(join(dirname(doc), target!)).replace(/\\/g, '/').replace(/\/$/, '');
      if (!files.has(path) && !folders.has(path)) broken.push(`${doc} → ${target}`);
    }
  }
  assert.deepEqual(broken, []);
});

test('an ES module program runs tasks on threads and processes from the installed package', async () => {
  writeFileSync(
    join(app, 'main.mjs'),
    [
      "import { ProcessPoolExecutor, ThreadPoolExecutor } from 'aiox';",
      'const threads = new ThreadPoolExecutor({ maxWorkers: 1 });',
      'const processes = new ProcessPoolExecutor({ maxWorkers: 1 });',
      'try {',
      '  console.log(await threads.submit((a, b) => a * b, 6, 7));',
      "  console.log(await processes.submit((text) => text.toUpperCase(), 'process'));",
      '} finally {',
      '  await threads.shutdown();',
      '  await processes.shutdown();',
      '}',
    ].join('\n'),
  );
  const { stdout } = await run(process.execPath, ['main.mjs'], { cwd: app, ...OPTIONS });
  assert.deepEqual(stdout.trim().split('\n'), ['42', 'PROCESS']);
});

// The worker entries are bundles of their own, so a task module's `import 'aiox'` in a worker loads another
// copy of aiox than the worker's runtime: what both must share (the task registry, the import guard) is
// shared per thread, whatever the copy.
test('task modules that import the installed package work in threads and processes, as do generators and runSync', async () => {
  writeFileSync(
    join(app, 'tasks.mjs'),
    [
      "import { ThreadPoolExecutor, defineTask, isPoolWorker } from 'aiox';",
      'export const where = defineTask(import.meta.url, function where() { return isPoolWorker(); });',
      'export const count = defineTask(import.meta.url, function* count(n) { for (let i = 0; i < n; i++) yield i; });',
      'export const nested = defineTask(import.meta.url, async function nested() {',
      '  const pool = new ThreadPoolExecutor({ maxWorkers: 1 });',
      '  try { return await pool.submit(where); } finally { await pool.shutdown(); }',
      '});',
    ].join('\n'),
  );
  writeFileSync(join(app, 'refused.mjs'), "import { ThreadPoolExecutor } from 'aiox';\nnew ThreadPoolExecutor();\nexport const never = () => 0;\n");
  writeFileSync(
    join(app, 'entries.mjs'),
    [
      "import { ProcessPoolExecutor, ThreadPoolExecutor, generateInProcess, generateInThread, isPoolWorker, runSync, taskRef } from 'aiox';",
      "import { count, nested, where } from './tasks.mjs';",
      'console.log(isPoolWorker());',
      'for (const pool of [new ThreadPoolExecutor({ maxWorkers: 1 }), new ProcessPoolExecutor({ maxWorkers: 1 })]) {',
      '  console.log(await pool.submit(where), await pool.submit(nested));',
      "  const refused = await pool.submit(taskRef(new URL('./refused.mjs', import.meta.url), 'never')).catch((e) => e);",
      '  console.log(refused.code);',
      '  await pool.shutdown();',
      '}',
      'for (const generate of [generateInThread, generateInProcess]) {',
      '  const seen = [];',
      '  for await (const n of generate(count, 3)) seen.push(n);',
      '  console.log(seen.join());',
      '}',
      'console.log(runSync((n) => n + 1, 1));',
    ].join('\n'),
  );
  const { stdout } = await run(process.execPath, ['entries.mjs'], { cwd: app, ...OPTIONS });
  assert.deepEqual(stdout.trim().split('\n'), [
    'false',
    'true true',
    'ERR_AIOX_INVALID_STATE',
    'true true',
    'ERR_AIOX_INVALID_STATE',
    '0,1,2',
    '0,1,2',
    '2',
  ]);
});

// bullmq and ioredis are optional peers, which npm does not install: aiox works without them, and only
// aiox/bullmq and the aiox command need them, which say so.
test('without bullmq installed, aiox works; aiox/bullmq fails to load naming it, and `aiox worker` says what to install', async () => {
  assert.ok(!existsSync(join(app, 'node_modules/bullmq')), 'npm installed the optional peer bullmq');
  writeFileSync(join(app, 'peers.mjs'), "const error = await import('aiox/bullmq').catch((e) => e);\nconsole.log(error.code, /'bullmq'/.test(error.message));\n");
  const { stdout } = await run(process.execPath, ['peers.mjs'], { cwd: app, ...OPTIONS });
  assert.equal(stdout.trim(), 'ERR_MODULE_NOT_FOUND true');
  const help = await run(process.execPath, ['node_modules/.bin/aiox', '--help'], { cwd: app, ...OPTIONS });
  assert.match(help.stdout, /^usage: aiox worker --redis URL/);
  const worker = await run(process.execPath, ['node_modules/.bin/aiox', 'worker', '--redis', 'redis://127.0.0.1:1', '--tasks', './tasks.mjs'], { cwd: app, ...OPTIONS }).catch(
    (error: { code: number; stderr: string }) => error,
  );
  assert.equal((worker as { code: number }).code, 2);
  assert.match((worker as { stderr: string }).stderr, /needs the packages bullmq and ioredis/);
});

test('a CommonJS program loads the installed package with require()', async () => {
  writeFileSync(
    join(app, 'main.cjs'),
    [
      "const { ThreadPoolExecutor } = require('aiox');",
      'const pool = new ThreadPoolExecutor({ maxWorkers: 1 });',
      'pool.submit((n) => n + 1, 41).then(console.log).finally(() => pool.shutdown());',
    ].join('\n'),
  );
  const { stdout, stderr } = await run(process.execPath, ['main.cjs'], { cwd: app, ...OPTIONS });
  assert.equal(stdout.trim(), '42');
  // require(esm) warns that it is experimental on Node versions before it became stable; anything else is news.
  assert.equal(stderr.replace(/^.*(ExperimentalWarning|--trace-warnings).*\n?/gm, ''), '');
});

test("the README's JavaScript runs as written under plain node, against the installed package", async () => {
  const programs = blocks('js');
  assert.ok(programs.length >= 1, 'the README shows no JavaScript');
  for (const [i, code] of programs.entries()) {
    writeFileSync(join(app, `readme-${i}.mjs`), code);
    const { stdout } = await run(process.execPath, [`readme-${i}.mjs`], { cwd: app, ...OPTIONS });
    assert.deepEqual(stdout.trim().split('\n'), printed(code));
  }
});

test("a TypeScript project set up as the README says compiles the quick start, which then runs", async () => {
  const tsconfig = JSON.parse(blocks('json')[0]!) as Record<string, unknown>;
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ ...tsconfig, include: ['main.ts'] }));
  const quickStart = blocks('ts')[0]!;
  assert.match(quickStart, /await using/);
  writeFileSync(join(app, 'main.ts'), quickStart);
  // `npm install --save-dev typescript @types/node`, taken from this package's own devDependencies (offline).
  symlinkSync(join(ROOT, 'node_modules/@types'), join(app, 'node_modules/@types'), 'dir');
  await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', app], { cwd: app, ...OPTIONS });
  const { stdout } = await run(process.execPath, ['dist/main.js'], { cwd: app, ...OPTIONS });
  assert.deepEqual(stdout.trim().split('\n'), printed(quickStart));
});
