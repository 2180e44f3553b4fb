import { createRequire } from 'node:module';

// node:child_process, node:net and node:dgram serve only process pools, process tasks' transfer lists,
// generator tasks and managers (node:crypto, managers only). Loaded on first use rather than by
// `import 'aiox'`, they spare a program that uses threads only their loading, about 1.5 ms of its start-up.
// (A child process loads them anyway: its IPC channel is a net socket.) node:v8 (about 2.5 ms in a fresh
// process, 0.6 ms in a thread) serves only what serializes by hand: a result stash holding an object, a
// SharedQueue, a Manager's channel, the send check of a process batch with handles.
const require = createRequire(import.meta.url);

let childProcess: typeof import('node:child_process') | undefined;
let net: typeof import('node:net') | undefined;
let dgram: typeof import('node:dgram') | undefined;
let crypto: typeof import('node:crypto') | undefined;
let v8: typeof import('node:v8') | undefined;

export function childProcessModule(): typeof import('node:child_process') {
  return (childProcess ??= require('node:child_process') as typeof import('node:child_process'));
}

export function netModule(): typeof import('node:net') {
  return (net ??= require('node:net') as typeof import('node:net'));
}

export function dgramModule(): typeof import('node:dgram') {
  return (dgram ??= require('node:dgram') as typeof import('node:dgram'));
}

export function cryptoModule(): typeof import('node:crypto') {
  return (crypto ??= require('node:crypto') as typeof import('node:crypto'));
}

export function v8Module(): typeof import('node:v8') {
  return (v8 ??= require('node:v8') as typeof import('node:v8'));
}
