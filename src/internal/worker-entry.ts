import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The files a worker of aiox starts from: one per kind of worker, in `dist/worker/`. */
export type WorkerEntryName = 'thread-entry' | 'process-entry' | 'sync-entry';

// Set by the package build (scripts/bundle.js), where this code is bundled into dist/index.js, beside the
// folder of the worker entries. Compiled file by file (tsc), this file is dist/internal/worker-entry.js.
declare const AIOX_WORKER_DIR: string | undefined;
const WORKER_DIR = typeof AIOX_WORKER_DIR === 'string' ? AIOX_WORKER_DIR : '../worker/';
// Set by the package build too: the entries it bundles as CommonJS, comma-separated, whose files end in .cjs.
declare const AIOX_CJS_WORKERS: string | undefined;
const CJS_WORKERS = typeof AIOX_CJS_WORKERS === 'string' ? AIOX_CJS_WORKERS.split(',') : [];

const found = new Set<string>();

/**
 * The URL of a worker entry file of aiox (`dist/worker/*-entry.js` or `.cjs`), checked to be where aiox expects it,
 * beside its own code. A bundler that inlines aiox into an application's bundle leaves these files behind,
 * and the worker would then fail to start with a bare "Cannot find module". Checked once per file.
 * @throws {Error} with code `ERR_AIOX_WORKER_ENTRY_MISSING` that says how to bundle an application using aiox.
 */
export function workerEntry(name: WorkerEntryName): URL {
  const url = new URL(`${WORKER_DIR}${name}${CJS_WORKERS.includes(name) ? '.cjs' : '.js'}`, import.meta.url);
  if (found.has(url.href)) return url;
  if (url.protocol === 'file:' && !existsSync(fileURLToPath(url))) {
    const error = new Error(
      `aiox cannot start a worker: its entry file ${fileURLToPath(url)} is missing. This happens when aiox is ` +
        "bundled into an application's bundle: workers start from aiox's own files, so aiox must stay external " +
        "(esbuild: --external:aiox or --packages=external; Rollup and Vite: external: ['aiox']; webpack: " +
        "externals) and be installed beside the bundle (node_modules/aiox). See README, section Bundling.",
    );
    throw Object.assign(error, { code: 'ERR_AIOX_WORKER_ENTRY_MISSING' });
  }
  found.add(url.href);
  return url;
}
