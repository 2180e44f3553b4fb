import { isMainThread } from 'node:worker_threads';

/**
 * Worker threads inherit `execArgv`, so a program run as `node --import tsx` starts its workers with the
 * same flag. But on Node 20, tsx registers its module hooks only on the main thread, so a thread worker
 * could not import a `.ts` task module. This registers tsx's hooks inside the worker when the program was
 * started with it. Child processes are main threads of their own and need nothing.
 */
export async function bridgeLoaders(execArgv: readonly string[] = process.execArgv): Promise<void> {
  if (isMainThread || !usesTsx(execArgv)) return;
  try {
    const api = (await import('tsx/esm/api' as string)) as { register?: () => unknown };
    api.register?.();
  } catch {
    // tsx is not resolvable from here: task modules in TypeScript will fail to load with Node's own error.
  }
}

function usesTsx(execArgv: readonly string[]): boolean {
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    const value = arg === '--import' || arg === '--loader' || arg === '--experimental-loader' ? execArgv[i + 1] : arg.split('=')[1];
    if (value !== undefined && /^tsx(\/esm)?$/.test(value)) return true;
  }
  return false;
}
