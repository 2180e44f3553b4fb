import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// The layering of DESIGN.md, read off the import graph of src/. A folder imports from its own folder and
// from folders of a lower rank; two folders of the same rank know nothing of each other, except where
// SIBLINGS allows it. The engine (pool/) and the worker runtime (worker/) share one rank: what both
// must agree on (message layouts, the claim ring) lives below them, in wire/. A folder missing here fails
// the test: place it in the table when you add it.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SRC = join(ROOT, 'src');

const RANK: Readonly<Record<string, number>> = {
  futures: 0,
  internal: 0,
  tasks: 1,
  sync: 1,
  time: 1,
  wire: 2,
  shared: 2,
  // The Manager: built on sync/ and the error classes; the worker runtime revives its proxies.
  manager: 2,
  pool: 3,
  worker: 3,
  executors: 4,
  aio: 5,
  // src/index.ts, the public surface: above everything, and imported by nothing inside the package...
  '.': 6,
  // ...but by the entry points built beside it, which use the core as a program does (aiox/bullmq).
  bullmq: 7,
};
// Entry points of their own that import the public surface, src/index.ts, rather than what it re-exports.
const ENTRY_POINTS = new Set(['bullmq']);
// futures/ and internal/ are the floor and use each other (the error classes, the small helpers).
const SIBLINGS = new Set(['futures>internal', 'internal>futures']);
// Lower, but out of reach: aio/ runs work through the executors, never through the engine beneath them.
const SKIPS: ReadonlyMap<string, string> = new Map([
  ['aio>pool', 'aio/ reaches the engine only through executors/'],
  ['aio>wire', 'aio/ reaches the engine only through executors/'],
]);
// The files of a skipped folder that a folder may still import: runSync runs its own thread, not through
// the engine, and its messages with that thread are the one part of wire/ it uses.
const SKIP_EXCEPTIONS = new Set(['aio>wire/sync-call.ts']);
// The worker runtime runs inside workers, which start from its entry files (internal/worker-entry.ts): no
// other folder imports it, whatever its rank. What a worker and its caller agree on lives in wire/.
const WORKER_SIDE = 'worker';

interface Edge {
  readonly file: string;
  readonly from: string;
  readonly to: string;
  /** The file imported, as `folder/name.ts`. */
  readonly target: string;
  readonly specifier: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The import of `specifier` in `file` (a path under src/). */
function edgeOf(file: string, specifier: string): Edge {
  const from = posix.dirname(file);
  const target = posix.normalize(posix.join(from, specifier)).replace(/\.js$/, '.ts');
  return { file, from, to: posix.dirname(target), target, specifier };
}

/** Every relative import in src/ (static, `import type`, `export ... from` and dynamic) as folder to folder. */
function importEdges(): Edge[] {
  const edges: Edge[] = [];
  for (const path of sourceFiles(SRC)) {
    const file = relative(SRC, path).split('\\').join('/');
    for (const { fileName } of ts.preProcessFile(readFileSync(path, 'utf8'), true, true).importedFiles) {
      if (fileName.startsWith('.')) edges.push(edgeOf(file, fileName));
    }
  }
  return edges;
}

/** Why `edge` breaks the layering, or undefined. */
function violation(edge: Edge): string | undefined {
  const { from, to } = edge;
  if (to === '.') return ENTRY_POINTS.has(from) ? undefined : 'nothing inside the package imports index.ts';
  if (from === to) return undefined;
  const [source, target] = [RANK[from.split('/')[0]!], RANK[to.split('/')[0]!]];
  if (source === undefined) return `src/${from}/ has no layer in this test's table`;
  if (target === undefined) return `src/${to}/ has no layer in this test's table`;
  if (to.split('/')[0] === WORKER_SIDE) return `${to}/ runs inside workers: what ${from}/ shares with it belongs in wire/`;
  const skip = SKIPS.get(`${from.split('/')[0]!}>${to.split('/')[0]!}`);
  if (skip !== undefined && !SKIP_EXCEPTIONS.has(`${from.split('/')[0]!}>${edge.target}`)) return skip;
  if (SIBLINGS.has(`${from}>${to}`) || target < source) return undefined;
  return target === source ? `${from}/ and ${to}/ are side by side: what both need belongs below them` : `${to}/ is above ${from}/`;
}

test('src/ keeps its layers: no folder imports from one beside or above it', () => {
  const edges = importEdges();
  // The graph was read: the engine does use the wire.
  assert.ok(edges.some((edge) => edge.from === 'pool' && edge.to === 'wire'), 'no import from pool/ into wire/ was found');
  const broken = edges.flatMap((edge) => {
    const why = violation(edge);
    return why === undefined ? [] : [`src/${edge.file} imports '${edge.specifier}': ${why}`];
  });
  assert.deepEqual(broken, []);
});

test('the engine and the worker runtime know nothing of each other', () => {
  const across = importEdges().filter(
    ({ from, to }) => (from === 'pool' && to === 'worker') || (from === 'worker' && to === 'pool'),
  );
  assert.deepEqual(across.map(({ file, specifier }) => `src/${file} imports '${specifier}'`), []);
});

test('this test reads relative imports of every kind', () => {
  const text = [
    "import { a } from './a.js';",
    "import type { b } from '../b/b.js';",
    "export { c } from '../c/c.js';",
    "const d = await import('../d/d.js');",
  ].join('\n');
  const names = ts.preProcessFile(text, true, true).importedFiles.map(({ fileName }) => fileName);
  assert.deepEqual(names, ['./a.js', '../b/b.js', '../c/c.js', '../d/d.js']);
});

test('the worker runtime is imported by no other folder, and aio/ uses only runSync\'s part of wire/', () => {
  assert.match(violation(edgeOf('aio/run-sync.ts', '../worker/sync-entry.js')) ?? '', /runs inside workers/);
  assert.match(violation(edgeOf('executors/map.ts', '../worker/runtime.js')) ?? '', /runs inside workers/);
  assert.equal(violation(edgeOf('aio/run-sync.ts', '../wire/sync-call.js')), undefined);
  assert.equal(violation(edgeOf('aio/run-sync.ts', '../wire/protocol.js')), 'aio/ reaches the engine only through executors/');
  assert.equal(violation(edgeOf('worker/sync-entry.ts', '../wire/sync-call.js')), undefined);
});
