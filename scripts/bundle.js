// Bundles the package: dist/index.js for the main entry and one file per worker entry in dist/worker/,
// each built from the sources with everything it imports inlined, so that starting a program or a worker
// reads and compiles one file rather than dozens (the module loader's cost per file dominates a cold
// start). The declarations beside them come from tsc (`tsc -p tsconfig.json`), unchanged.
//
// Each bundle holds its own copy of the modules it shares with another: state that a worker entry and a
// task module importing 'aiox' must share lives on globalThis (the task registry, the import guard), as it
// must for two versions of aiox in one program anyway.
import { build } from 'esbuild';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const ENTRIES = ['index', 'worker/sync-entry'];
// Worker entries bundled as CommonJS (dist/worker/NAME.cjs): a child process or a thread started from an ES
// module loads it through the ESM loader, which starts in that worker first (it reads the file with
// fs/promises, loading that module and its streams, and compiles it as a module); Node's CommonJS loader
// does neither. About 6 ms of CPU less per child process here (a child costs about 140 ms), and 6-7 ms of a
// thread's start (about 67 ms from a warm program's submit to the first result), paid again by every
// replacement of an aborted worker. A task module in a .cjs file is then required, and the ESM loader does
// not start at all (see importTaskModule). Nothing in them may use import.meta or a top-level await.
const CJS_WORKER_ENTRIES = ['worker/process-entry', 'worker/thread-entry'];
// What a worker imports only when a task's argument is a Manager's proxy (src/worker/proxy-args.ts): a file
// of its own beside the worker entries, so that a worker's start does not compile it.
const WORKER_CHUNKS = { 'worker/proxies': 'src/manager/revive.ts' };
// aiox/bullmq and the `aiox` command: built apart, because they use the core as a program does, through
// dist/index.js (one Future class, one pool engine), and leave bullmq and ioredis to the user's install.
const BULLMQ_ENTRIES = ['bullmq/index', 'bullmq/cli'];
// What src/index.ts exports from these folders is left out of dist/index.js: it sits in dist/extras.cjs,
// which dist/index.js requires on the first use of one of those exports (see `extras` below). A program
// that uses none of them (most use pools, futures and aio/ alone) does not compile them at its start: 60 KB
// that dist/index.js (then 205 KB) held, about 5 ms of every cold start here (scenario s8). Only
// folders that nothing else in the main bundle imports can be here (checked below): the chunk holds its own
// copy of what they import (the error classes, whose instanceof holds across copies; stateless helpers).
const EXTRAS_FOLDERS = ['manager', 'shared', 'sync'];
const EXTRAS = 'extras';
const ALL_ENTRIES = [...ENTRIES, ...Object.keys(WORKER_CHUNKS), ...BULLMQ_ENTRIES];
const ALL_FILES = [...ALL_ENTRIES.map((entry) => `dist/${entry}.js`), ...CJS_WORKER_ENTRIES.map((entry) => `dist/${entry}.cjs`), `dist/${EXTRAS}.cjs`];

/** Whether some bundle is missing or older than some source file (`--if-stale`: `npm run demo` rebuilds only then). */
function stale() {
  const mtime = (path) => statSync(join(root, path), { throwIfNoEntry: false })?.mtimeMs ?? -1;
  const built = Math.min(...ALL_FILES.map(mtime));
  const sources = readdirSync(join(root, 'src'), { recursive: true }).filter((file) => file.endsWith('.ts'));
  return built < 0 || sources.some((file) => mtime(join('src', file)) > built) || mtime('scripts/bundle.js') > built;
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

/**
 * The core's imports of Node's modules become process.getBuiltinModule() calls. An ES module's `import` of a
 * builtin makes the builtin's ESM facade, which reads every one of its exports: about a millisecond per
 * builtin in a fresh process or worker, and 5-10 ms for node:fs, whose `ReadStream` getter loads fs's
 * streams (scenario s8). Each export used is read once, from a module of constants made here; the ones
 * not used are dropped from the bundle (the reads are marked pure).
 */
const builtins = {
  name: 'builtins',
  setup(build) {
    build.onResolve({ filter: /^node:/ }, ({ path }) => ({ path, namespace: 'builtin' }));
    build.onLoad({ filter: /.*/, namespace: 'builtin' }, async ({ path }) => {
      const names = Object.keys(await import(path)).filter((name) => name !== 'default' && /^[A-Za-z_$][\w$]*$/.test(name));
      // Names of its own per builtin: two modules of one bundle that declare one name get one renamed.
      const id = path.replace(/\W/g, '_');
      const contents = [
        `const ${id} = process.getBuiltinModule(${JSON.stringify(path)});`,
        `function ${id}_read(name) { return ${id}[name]; }`,
        `export default ${id};`,
        ...names.map((name) => `export const ${name} = /* @__PURE__ */ ${id}_read(${JSON.stringify(name)});`),
      ].join('\n');
      return { contents, loader: 'js' };
    });
  },
};

/**
 * The names src/index.ts exports from the EXTRAS_FOLDERS, by the specifier it imports them from (types
 * left out): read off its `export { ... } from '...'` statements, the only form of export it uses.
 */
function extrasExports() {
  const index = readFileSync(join(root, 'src', 'index.ts'), 'utf8');
  const folders = new RegExp(`^\\./(?:${EXTRAS_FOLDERS.join('|')})/`);
  const names = new Map();
  for (const [, list, from] of index.matchAll(/^export\s*\{([^}]*)\}\s*from\s*'([^']+)'/gm)) {
    if (!folders.test(from)) continue;
    const values = list
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '' && !name.startsWith('type '));
    if (values.some((name) => !/^[\w$]+$/.test(name))) throw new Error(`bundle: unexpected export in src/index.ts from ${from}: ${list}`);
    if (values.length > 0) names.set(from, values);
  }
  return names;
}
const extrasByModule = extrasExports();
const extrasNames = [...extrasByModule.values()].flat();

/** The chunk's entry: src/index.ts's exports from the EXTRAS_FOLDERS, and nothing else. */
const extrasEntry = {
  name: 'extras-entry',
  setup(build) {
    build.onResolve({ filter: /^aiox-extras$/ }, () => ({ path: 'extras', namespace: 'aiox-extras' }));
    build.onLoad({ filter: /.*/, namespace: 'aiox-extras' }, () => ({
      contents: [...extrasByModule].map(([from, names]) => `export { ${names.join(', ')} } from '${from}';`).join('\n'),
      resolveDir: join(root, 'src'),
      loader: 'ts',
    }));
  },
};
const extrasOptions = {
  absWorkingDir: root,
  entryPoints: [{ in: 'aiox-extras', out: EXTRAS }],
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minifyWhitespace: true,
  sourcemap: true,
  sourcesContent: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [extrasEntry, builtins],
};

/**
 * In dist/index.js, src/index.ts's imports from the EXTRAS_FOLDERS resolve to one module: a stand-in (see
 * src/internal/stand-in.ts) for each class and function, which requires the chunk on first use, and a copy
 * of each enum (a plain object of strings, compared by value). `chunk` is the chunk, built first.
 */
function extras(chunk) {
  const callables = extrasNames.filter((name) => typeof chunk[name] === 'function');
  const enums = extrasNames.filter((name) => typeof chunk[name] !== 'function');
  for (const name of enums) {
    const value = chunk[name];
    const plain = value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype && !Object.isFrozen(value);
    if (!plain || !Object.values(value).every((field) => typeof field === 'string')) {
      throw new Error(`bundle: ${name}, left in ${EXTRAS}.cjs, is neither a class, a function nor an enum of strings`);
    }
  }
  const standIns = JSON.stringify(join(root, 'src', 'internal', 'stand-in.ts'));
  const contents = [
    `import { standIns } from ${standIns};`,
    'const extras = standIns(() => {',
    '  try {',
    `    return process.getBuiltinModule('node:module').createRequire(import.meta.url)('./${EXTRAS}.cjs');`,
    '  } catch (error) {',
    `    const message = \`aiox cannot load its file ${EXTRAS}.cjs, which must sit beside its index.js (aiox must stay external to an application's bundle; see README, section Bundling): \${error.message}\`;`,
    "    throw Object.assign(new Error(message, { cause: error }), { code: 'ERR_AIOX_WORKER_ENTRY_MISSING' });",
    '  }',
    `}, ${JSON.stringify(callables)});`,
    ...callables.map((name) => `export const ${name} = extras.${name};`),
    ...enums.map((name) => `export const ${name} = ${JSON.stringify(chunk[name])};`),
  ].join('\n');
  const folders = new RegExp(`^\\./(?:${EXTRAS_FOLDERS.join('|')})/`);
  return {
    name: 'extras',
    setup(build) {
      build.onResolve({ filter: folders }, ({ path, importer }) =>
        importer === join(root, 'src', 'index.ts') && extrasByModule.has(path) ? { path: 'stand-ins', namespace: 'aiox-extras' } : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'aiox-extras' }, () => ({ contents, resolveDir: root, loader: 'js' }));
    },
  };
}

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
  define: { AIOX_WORKER_DIR: JSON.stringify('./worker/'), AIOX_CJS_WORKERS: JSON.stringify(CJS_WORKER_ENTRIES.map((entry) => entry.replace('worker/', '')).join(',')) },
  // What V8 scans on every import of aiox and every start of a worker is the bundle's bytes, about a third
  // of which are comments and indentation: they are left out (a shorter file compiles measurably faster,
  // scenario s8), and the source map beside each bundle maps its code back to src/ (`node
  // --enable-source-maps` shows stack traces there). Names are kept as written (see below).
  minifyWhitespace: true,
  sourcemap: true,
  sourcesContent: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [lazyChunks, builtins],
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
/** The CommonJS worker entries (see CJS_WORKER_ENTRIES). */
const cjsWorkerOptions = {
  ...options,
  entryPoints: CJS_WORKER_ENTRIES.map((entry) => ({ in: `src/${entry}.ts`, out: entry })),
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  // An ES module is strict; its code bundled as CommonJS stays so.
  banner: { js: '"use strict";' },
};
const bullmqOptions = {
  ...options,
  entryPoints: BULLMQ_ENTRIES.map((entry) => `src/${entry}.ts`),
  external: ['bullmq', 'ioredis'],
  plugins: [linkToCore],
};

// The chunk is built first: the stand-ins in dist/index.js are made for what its exports are.
await build(extrasOptions);
const chunk = createRequire(import.meta.url)(join(root, 'dist', `${EXTRAS}.cjs`));
const mainOptions = { ...options, plugins: [...options.plugins, extras(chunk)] };

// Names must stay as written: error classes and stack traces show them, and tasks are found by name.
// esbuild's keepNames would guarantee it with a call per function and a static block per class, which made
// compiling dist/index.js, on every import of aiox, about 3 ms slower. Without minifying, esbuild renames
// only top-level names that two modules both declare: a dry build with keepNames lists them, and such a
// name must be changed in the sources.
const renamed = new Set();
for (const dry of [mainOptions, cjsWorkerOptions, bullmqOptions, extrasOptions]) {
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
const main = await build({ ...mainOptions, metafile: true });
// What the chunk holds must not be in dist/index.js too: two copies of a module would hold two states.
const inMain = Object.keys(main.metafile.outputs['dist/index.js'].inputs).filter((input) => EXTRAS_FOLDERS.some((folder) => input.startsWith(`src/${folder}/`)));
if (inMain.length > 0) {
  console.error(`bundle: dist/index.js imports modules left to ${EXTRAS}.cjs: ${inMain.join(', ')}`);
  process.exit(1);
}
await build(cjsWorkerOptions);
// What an older build left in their place (they were ES modules, .js) would be shipped too.
for (const entry of CJS_WORKER_ENTRIES) for (const file of [`dist/${entry}.js`, `dist/${entry}.js.map`]) rmSync(join(root, file), { force: true });
await build(bullmqOptions);
