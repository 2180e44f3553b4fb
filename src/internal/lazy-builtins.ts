// node:child_process, node:net and node:dgram serve only process pools, process tasks' transfer lists,
// generator tasks and managers (node:crypto, managers only). Loaded on first use rather than by
// `import 'aiox'`, they spare a program that uses threads only their loading, about 1.5 ms of its start-up.
// (A child process loads them anyway: its IPC channel is a net socket.) node:v8 (about 2.5 ms in a fresh
// process, 0.6 ms in a thread) serves only what serializes by hand: a result stash holding an object, a
// SharedQueue, a Manager's channel, the send check of a process batch with handles. node:perf_hooks serves
// a pool's histograms, made at its first task rather than with the pool. They are taken with
// process.getBuiltinModule (Node 20.16+), not a require made by node:module's createRequire: node:module
// would be one more module loaded by every program and every worker.

let childProcess: typeof import('node:child_process') | undefined;
let net: typeof import('node:net') | undefined;
let dgram: typeof import('node:dgram') | undefined;
let crypto: typeof import('node:crypto') | undefined;
let v8: typeof import('node:v8') | undefined;
let perfHooks: typeof import('node:perf_hooks') | undefined;

export function childProcessModule(): typeof import('node:child_process') {
  return (childProcess ??= process.getBuiltinModule('node:child_process'));
}

export function netModule(): typeof import('node:net') {
  return (net ??= process.getBuiltinModule('node:net'));
}

export function dgramModule(): typeof import('node:dgram') {
  return (dgram ??= process.getBuiltinModule('node:dgram'));
}

export function cryptoModule(): typeof import('node:crypto') {
  return (crypto ??= process.getBuiltinModule('node:crypto'));
}

export function v8Module(): typeof import('node:v8') {
  return (v8 ??= process.getBuiltinModule('node:v8'));
}

export function perfHooksModule(): typeof import('node:perf_hooks') {
  return (perfHooks ??= process.getBuiltinModule('node:perf_hooks'));
}
