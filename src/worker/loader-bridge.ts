import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';

/**
 * Worker threads inherit `execArgv`, so a program run as `node --import tsx`, or by the `tsx` CLI (which
 * starts Node with `--import file:///…/node_modules/tsx/dist/loader.mjs`), starts its workers with the same
 * flag. But on Node 20, tsx registers its module hooks only on the main thread, so a thread worker could not
 * import a `.ts` task module. This registers tsx's hooks inside the worker when the program was started with
 * it, from the same tsx install the program uses. Child processes are main threads of their own and need
 * nothing.
 */
export async function bridgeLoaders(execArgv: readonly string[] = process.execArgv): Promise<void> {
  if (isMainThread) return;
  const loader = tsxLoader(execArgv);
  if (loader === undefined) return;
  for (const api of tsxApiCandidates(loader)) {
    try {
      const module = (await import(api)) as { register?: () => unknown };
      module.register?.();
      return;
    } catch {
      // Try the next place tsx may be found.
    }
  }
  // tsx is not resolvable: a TypeScript task module then fails with an error that names the fix.
}

/** The tsx loader named by `--import` / `--loader` in `execArgv`, as written there, if there is one. */
export function tsxLoader(execArgv: readonly string[]): string | undefined {
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    const flag = /^--(import|loader|experimental-loader)(=(.*))?$/.exec(arg);
    if (flag === null) continue;
    const value = flag[2] === undefined ? execArgv[i + 1] : flag[3];
    if (value !== undefined && isTsxLoader(value)) return value;
  }
  return undefined;
}

function isTsxLoader(value: string): boolean {
  return /^tsx(\/esm)?$/.test(value) || /[\\/]tsx[\\/]dist[\\/](loader|esm[\\/]index)\.mjs$/.test(value);
}

/** Where tsx's ESM API may be imported from: beside the loader itself, then from here, then from the cwd. */
function tsxApiCandidates(loader: string): string[] {
  const candidates: string[] = [];
  if (!/^tsx(\/esm)?$/.test(loader)) {
    const url = loader.startsWith('file:') ? new URL(loader) : pathToFileURL(loader);
    const dist = new URL(loader.endsWith('index.mjs') ? '../' : './', url);
    candidates.push(new URL('esm/api/index.mjs', dist).href);
  }
  candidates.push('tsx/esm/api');
  try {
    const { createRequire } = process.getBuiltinModule('node:module');
    candidates.push(pathToFileURL(createRequire(`${process.cwd()}/`).resolve('tsx/esm/api')).href.replace(/\.cjs$/, '.mjs'));
  } catch {
    // Not installed in the program's folder.
  }
  return candidates;
}
