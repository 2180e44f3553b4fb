// Bundles the package: dist/index.js for the main entry and one file per worker entry in dist/worker/,
// each built from the sources with everything it imports inlined, so that starting a program or a worker
// reads and compiles one file rather than dozens (the module loader's cost per file dominates a cold
// start). The declarations beside them come from tsc (`tsc -p tsconfig.json`), unchanged.
//
// Each bundle holds its own copy of the modules it shares with another: state that a worker entry and a
// task module importing 'aiox' must share lives on globalThis (the task registry, the import guard), as it
// must for two versions of aiox in one program anyway.
import { build } from 'esbuild';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const ENTRIES = ['index', 'worker/thread-entry', 'worker/process-entry', 'worker/sync-entry'];
// What a worker imports only when a task's argument is a Manager's proxy (src/worker/proxy-args.ts): a file
// of its own beside the worker entries, so that a worker's start does not compile it.
const WORKER_CHUNKS = { 'worker/proxies': 'src/manager/revive.ts' };
// aiox/bullmq and the `aiox` command: built apart, because they use the core as a program does, through
// dist/index.js (one Future class, one pool engine), and leave bullmq and ioredis to the user's install.
const BULLMQ_ENTRIES = ['bullmq/index', 'bullmq/cli'];
const ALL_ENTRIES = [...ENTRIES, ...Object.keys(WORKER_CHUNKS), ...BULLMQ_ENTRIES];

/** Whether some bundle is missing or older than some source file (`--if-stale`: `npm run demo` rebuilds only then). */
function stale() {
  const mtime = (path) => statSync(join(root, path), { throwIfNoEntry: false })?.mtimeMs ?? -1;
  const oldest = Math.min(...ALL_ENTRIES.map((entry) => mtime(`dist/${entry}.js`)));
  const sources = readdirSync(join(root, 'src'), { recursive: true }).filter((file) => file.endsWith('.ts'));
  return oldest < 0 || sources.some((file) => mtime(join('src', file)) > oldest) || mtime('scripts/bundle.js') > oldest;
}

if (process.argv.includes('--if-stale') && !stale()) process.exit(0);

/** The worker runtime's import of the proxies' reviver stays an import, of the file beside its bundle. */
const lazyChunks = {
  name: 'lazy-chunks',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/manager\/revive\.js$/ }, ({ importer, kind }) =>
      importer === join(root, 'src', 'worker', 'proxy-args.ts') && kind === 'dynamic-import' ? { path: './proxies.js', external: true } : undefined,
    );
  },
};

const options = {
  absWorkingDir: root,
  entryPoints: [
    ...ENTRIES.map((entry) => ({ in: `src/${entry}.ts`, out: entry })),
    ...Object.entries(WORKER_CHUNKS).map(([out, source]) => ({ in: source, out })),
  ],
  outbase: 'src',
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // The worker entries sit in dist/worker/, beside dist/index.js (see src/internal/worker-entry.ts).
  define: { AIOX_WORKER_DIR: JSON.stringify('./worker/') },
  // What V8 scans on every import of aiox and every start of a worker is the bundle's bytes, about a third
  // of which are comments and indentation: they are left out (a shorter file compiles measurably faster,
  // scenario s8), and the source map beside each bundle maps its code back to src/ (`node
  // --enable-source-maps` shows stack traces there). Names are kept as written (see below).
  minifyWhitespace: true,
  sourcemap: true,
  sourcesContent: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [lazyChunks],
};

/**
 * Imports that stay imports in the bullmq bundles: the core's public entry (`../index.js`), the bullmq entry
 * itself when the command imports it (`./index.js`), and the peer dependencies.
 */
const linkToCore = {
  name: 'link-to-core',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\/index\.js$/ }, ({ path, importer }) =>
      dirname(importer) === join(root, 'src', 'bullmq') ? { path, external: true } : undefined,
    );
  },
};
const bullmqOptions = {
  ...options,
  entryPoints: BULLMQ_ENTRIES.map((entry) => `src/${entry}.ts`),
  external: ['bullmq', 'ioredis'],
  plugins: [linkToCore],
};

// Names must stay as written: error classes and stack traces show them, and tasks are found by name.
// esbuild's keepNames would guarantee it with a call per function and a static block per class, which made
// compiling dist/index.js, on every import of aiox, about 3 ms slower. Without minifying, esbuild renames
// only top-level names that two modules both declare: a dry build with keepNames lists them, and such a
// name must be changed in the sources.
const renamed = new Set();
for (const dry of [options, bullmqOptions]) {
  for (const file of (await build({ ...dry, keepNames: true, write: false, sourcemap: false })).outputFiles) {
    for (const [, bundled, name] of file.text.matchAll(/__name\(([\w$]+), "([\w$]+)"\)/g)) {
      if (bundled !== 'this' && bundled !== name) renamed.add(`${name} (bundled as ${bundled})`);
    }
  }
}
if (renamed.size > 0) {
  console.error(`bundle: two modules declare these names, which the bundle would rename: ${[...renamed].join(', ')}`);
  process.exit(1);
}
await build(options);
await build(bullmqOptions);
