// A task's argument may be a Manager's proxy, which arrives as its data and must be made a proxy again in
// the worker (manager/revive.ts). What does that (the proxies' classes, their client, its connection and
// wire) is more than a third of a worker's bundle, and a plain task never needs it: it is imported the
// first time a task's arguments hold a proxy, so that a worker's start compiles only what plain tasks use.
// In the package's bundles the import stays one (scripts/bundle.js): the reviver is a file of its own.

type Revive = <T extends readonly unknown[]>(args: T) => T;

let revive: Revive | undefined;
/** Why the reviver could not be imported, once that failed: each task given a proxy then fails with it. */
let failure: { readonly error: unknown } | undefined;
let loading: Promise<void> | undefined;

/** Whether one of `args` is a proxy's data; one property test per object argument, as the reviver does. */
function holdsProxy(args: readonly unknown[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as { aioxManaged?: unknown } | null;
    if (typeof arg === 'object' && arg !== null && arg.aioxManaged !== undefined) return true;
  }
  return false;
}

/** Whether `args` holds a proxy's data and the reviver must be loaded ({@link loadReviver}) before the task runs. */
export function needsReviver(args: readonly unknown[]): boolean {
  return revive === undefined && failure === undefined && holdsProxy(args);
}

/** Whether any item's `args` of a map chunk needs the reviver (see {@link needsReviver}). */
export function chunkNeedsReviver(items: readonly (readonly unknown[])[]): boolean {
  if (revive !== undefined || failure !== undefined) return false;
  for (let i = 0; i < items.length; i++) if (holdsProxy(items[i]!)) return true;
  return false;
}

/** Imports the reviver; never rejects: a failure is kept, and {@link reviveArgs} throws it for a proxy. */
export function loadReviver(): Promise<void> {
  return (loading ??= import('../manager/revive.js').then(
    (module) => {
      revive = module.reviveArgs;
    },
    (error: unknown) => {
      failure = { error };
    },
  ));
}

/**
 * Revives, in place, the top-level arguments of a task that are proxies' data (see manager/revive.ts), once
 * the reviver is loaded; before that, `args` holds no proxy (see {@link needsReviver}) and is returned as it is.
 * @throws what importing the reviver threw, if it failed and `args` holds a proxy.
 */
export function reviveArgs<T extends readonly unknown[]>(args: T): T {
  if (revive !== undefined) return revive(args);
  if (failure !== undefined && holdsProxy(args)) throw failure.error;
  return args;
}
