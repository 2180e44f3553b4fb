import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';

// Every code block of the README and of docs/*.md is checked, so that what a reader copies works:
// - `ts` blocks type-check together and run under `node --import tsx`; `js` blocks run under plain `node`
//   (they are there for readers without TypeScript, so no loader may help them). A block whose first line
//   is `// file: name.ts` (or `.js`) is a module other blocks of the same doc import; every other block is
//   a program, and its `// → text` comments are the lines it must print, in that order.
// - A fragment that needs set-up a reader does not need to see (a pool, a stand-in for a socket) gets it
//   from an HTML comment right above the block, `<!-- setup` ... `-->`, prepended to it; an HTML comment
//   `<!-- then` ... `-->` right below the block is appended (checks that should not clutter the doc).
// - `python` blocks, shown for comparison, must at least parse (when python3 is installed).
// - `json` blocks must parse; `sh` blocks are commands about this repository (`npm test` is this very
//   suite) and are not run. A block in any other language fails the test until it has a rule here.
const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
// Inside the package, so that `import ... from 'aiox'` resolves to this package by its own name.
const DIR = `${ROOT}build/doc-blocks/`;
const DOCS = ['README.md', ...readdirSync(`${ROOT}docs`).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
const NOT_RUN = new Set(['sh']);

interface Block {
  readonly doc: string;
  readonly lang: string;
  readonly code: string;
}

interface Program {
  readonly doc: string;
  readonly path: string;
  readonly lang: 'ts' | 'js';
  readonly expected: readonly string[];
}

const FENCE = /(?:<!-- setup\n([\s\S]*?)-->\n\s*)?^```(\w*)\n([\s\S]*?)^```$(?:\s*<!-- then\n([\s\S]*?)-->)?/gm;
const LANG: Readonly<Record<string, string>> = { typescript: 'ts', javascript: 'js', py: 'python', bash: 'sh', shell: 'sh' };

function blocksOf(doc: string): Block[] {
  return [...readFileSync(ROOT + doc, 'utf8').matchAll(FENCE)].map(([, setup = '', lang = '', code = '', then = '']) => ({
    doc,
    lang: LANG[lang] ?? lang,
    code: setup + code + then,
  }));
}

const blocks = DOCS.flatMap(blocksOf);
const programs: Program[] = [];
const pythons: string[] = [];
rmSync(DIR, { recursive: true, force: true });
for (const doc of DOCS) {
  const dir = `${DIR}${doc.replace(/\.md$/, '').replace('/', '-')}/`;
  mkdirSync(dir, { recursive: true });
  for (const [i, { lang, code }] of blocks.filter((b) => b.doc === doc).entries()) {
    if (lang === 'python') pythons.push(writeBlock(`${dir}block-${i + 1}.py`, code));
    if (lang !== 'ts' && lang !== 'js') continue;
    const module = /^\/\/ file: (\S+)\n/m.exec(code)?.[1];
    const path = writeBlock(dir + (module ?? `block-${i + 1}.${lang === 'ts' ? 'ts' : 'mjs'}`), code);
    if (module === undefined) programs.push({ doc, path, lang, expected: [...code.matchAll(/\/\/ → (.*)$/gm)].map((m) => m[1]!) });
  }
}
writeFileSync(
  `${DIR}tsconfig.json`,
  JSON.stringify({ extends: '../../tsconfig.json', compilerOptions: { rootDir: '.', noEmit: true }, include: ['**/*.ts'] }),
);

function writeBlock(path: string, code: string): string {
  writeFileSync(path, code);
  return path;
}

test('the docs have programs to run', () => {
  const count = (doc: string): number => programs.filter((p) => p.doc === doc).length;
  assert.ok(count('README.md') >= 6, `README.md: ${count('README.md')}`);
  for (const doc of ['docs/python-migration.md', 'docs/shared-memory.md', 'docs/polling-loops.md']) assert.ok(count(doc) >= 1, doc);
});

test('every code block is in a language this test knows how to check', () => {
  const known = new Set(['ts', 'js', 'python', 'json', ...NOT_RUN]);
  const unknown = blocks.filter((b) => !known.has(b.lang)).map((b) => `${b.doc}: \`\`\`${b.lang} ${JSON.stringify(b.code.slice(0, 60))}`);
  assert.deepEqual(unknown, []);
});

// Every worker imports a task's module to find the task. A module that also starts a pool at its top level
// makes each worker start a pool of its own, and so on: tasks go in modules of their own, or the pool is
// started only behind the guard the README shows (`if (!isPoolWorker())`).
test('no doc block both defines a task and starts a pool, unless it guards the pool', () => {
  const starter = /new (?:Thread|Process)PoolExecutor\b|\b(?:inThread|inProcess|runSync|generateInThread|generateInProcess)\b\s*(?:\.with\s*\([^)]*\)\s*)?\(/;
  const both = blocks.filter((b) => /defineTask\(import\.meta\.url/.test(b.code) && starter.test(b.code) && !/if \(!isPoolWorker\(\)\)/.test(b.code));
  assert.deepEqual(both.map((b) => `${b.doc}: ${b.code.slice(0, 80)}`), []);
});

test('the json blocks parse', () => {
  for (const { doc, code } of blocks.filter((b) => b.lang === 'json')) assert.doesNotThrow(() => JSON.parse(code), doc);
});

test('the python blocks parse', async (t) => {
  const python = await run('python3', ['--version']).then(
    () => true,
    () => false,
  );
  if (!python) return t.skip('python3 is not installed');
  assert.ok(pythons.length >= 1);
  const parse = 'import ast, sys\nfor path in sys.argv[1:]:\n    ast.parse(open(path).read(), path)';
  await run('python3', ['-c', parse, ...pythons], { timeout: 60_000 });
});

test('the TypeScript blocks type-check', async () => {
  await run(process.execPath, [`${ROOT}node_modules/typescript/bin/tsc`, '-p', `${DIR}tsconfig.json`], { timeout: 120_000 });
});

for (const { doc, path, lang, expected } of programs) {
  const name = path.slice(path.lastIndexOf('/') + 1);
  test(`${doc} ${name} runs and prints what its comments say`, async () => {
    const args = lang === 'ts' ? ['--import', 'tsx', path] : [path];
    const { stdout } = await run(process.execPath, args, { cwd: ROOT, timeout: 60_000, killSignal: 'SIGKILL' });
    const lines = stdout.split('\n');
    let from = 0;
    for (const line of expected) {
      const at = lines.indexOf(line, from);
      assert.ok(at >= 0, `expected the line ${JSON.stringify(line)} (in order) in:\n${stdout}`);
      from = at + 1;
    }
  });
}
