import { accessSync, closeSync, constants, openSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DefaultSerializer } from 'node:v8';
import { BrokenProcessPool } from '../futures/errors.js';
import { extractHandles } from './handles.js';
import { InboundCheck } from './inbound.js';
import { RUN_HEADER, type FromWorker, type HandleMessage } from '../wire/protocol.js';
import type { SpawnWorker, Transport } from './transport.js';
import { workerEntry } from '../internal/worker-entry.js';
import { childProcessModule, v8Module } from '../internal/lazy-builtins.js';
import { forgetOnExit, reapOnExit } from './orphan-reaper.js';

/** Options that only process workers have. */
export interface ProcessTransportOptions {
  readonly execArgv: readonly string[] | undefined;
  readonly env: NodeJS.ProcessEnv | undefined;
}

/** Workers as child processes talking over IPC with V8 serialization (the same cloning as threads). */
export function processTransport(options: ProcessTransportOptions): Transport {
  return { kind: 'process', Broken: BrokenProcessPool, spawn: processSpawner(options), canWithdraw: false };
}

function processSpawner(options: ProcessTransportOptions): SpawnWorker {
  const entry = workerEntry('process-entry');
  const { fork } = childProcessModule();
  return (init, events) => {
    const stash = openStashFile();
    let child: ReturnType<typeof fork>;
    try {
      child = fork(entry, [], {
        serialization: 'advanced',
        // The stash file is the child's descriptor STASH_FD, after the IPC channel.
        stdio: stash === undefined ? ['ignore', 'inherit', 'inherit', 'ipc'] : ['ignore', 'inherit', 'inherit', 'ipc', stash],
        ...(options.execArgv === undefined ? {} : { execArgv: [...options.execArgv] }),
        ...(options.env === undefined ? {} : { env: options.env }),
      });
    } catch (error) {
      if (stash !== undefined) closeSync(stash);
      throw error;
    }
    let lastError: Error | undefined;
    const inbound = new InboundCheck(init.token);
    child.on('message', (message) => {
      if (inbound.accepts(message)) events.message(message as FromWorker);
    });
    // 'error' covers a failed spawn and a send to a dead channel; the exit that follows reports it.
    child.on('error', (error) => {
      lastError = error;
    });
    // A child's 'exit' can come before its last IPC messages; report the exit once the channel is closed
    // too, so a result sent just before the end is not mistaken for a task lost with the child.
    let exited: [number | null, NodeJS.Signals | null] | undefined;
    let disconnected = false;
    const reportExit = (): void => {
      if (exited === undefined || !disconnected) return;
      try {
        // The engine reads the stash file here, so it is closed only after.
        events.exit(exited[0], exited[1], lastError);
      } finally {
        if (stash !== undefined) closeSync(stash);
      }
    };
    child.on('exit', (code, signal) => {
      forgetOnExit(child.pid);
      exited = [code, signal];
      reportExit();
    });
    child.on('disconnect', () => {
      disconnected = true;
      reportExit();
    });
    // Handed to the reaper before the init leaves: no task can run in the child before it is watched.
    const reaped = reapOnExit(child.pid);
    child.send({ type: 'init', init: { ...init, ...(stash === undefined ? {} : { stashFd: STASH_FD }), ...(reaped ? { reaped } : {}) } });
    let referenced = true;
    let terminating = false;
    let handleIds = 0;
    // Tasks sent so far, and the number of the first task of the last batch sent with handles while the child
    // may not have acknowledged them yet (see post), else -1.
    let sentTasks = 0;
    let handleBatchAt = -1;
    return {
      stashFd: stash,
      post: (message, transfer) => {
        if (transfer === undefined || transfer.length === 0) {
          // Until the child acknowledges a handle, Node holds back every later message and serializes it only
          // then, where a message that cannot be cloned is an uncaught exception of the program, not a throw
          // here that fails the task. So while a handle may be unacknowledged, the message is checked first.
          // The child answers in order, and acknowledges a batch's handles before it runs the batch: once the
          // batch's first task is answered, its handles were acknowledged.
          if (handleBatchAt >= 0 && sentTasks - inbound.outstanding > handleBatchAt) handleBatchAt = -1;
          if (handleBatchAt >= 0) assertSendable(message);
          child.send(message);
          sentTasks += (message.length - RUN_HEADER) / 2;
          return inbound.sent(message);
        }
        // IPC passes one handle per message: each goes first, alone, and the batch names where it belongs.
        // Node keeps the messages in order; the worker holds the batch until its handles have arrived.
        const { run, handles } = extractHandles(message, transfer, () => handleIds++);
        // The batch leaves after the first handle, held back as above: checked before anything is sent.
        assertSendable(run);
        handleBatchAt = sentTasks;
        for (const [id, handle] of handles) child.send({ type: 'handle', id } satisfies HandleMessage, handle);
        child.send(run);
        sentTasks += (message.length - RUN_HEADER) / 2;
        inbound.sent(message);
      },
      tell: (message) => {
        // A child that is gone or going has nothing to stop; its exit is on its way.
        if (child.connected && !terminating) child.send(message, () => undefined);
      },
      terminate: (signal = 'SIGKILL') => {
        // Held until its exit is reported, so that shutdown() can wait for it. That is also true of a child
        // that has exited already but whose channel has not closed yet (the exit is reported once both are
        // done): unreferenced, that channel would let the program end with shutdown() still waiting.
        terminating = true;
        child.ref();
        child.channel?.ref();
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      },
      ref: () => {
        if (referenced) return;
        referenced = true;
        child.ref();
        child.channel?.ref();
      },
      unref: () => {
        if (!referenced || terminating) return;
        referenced = false;
        child.unref();
        child.channel?.unref();
      },
    };
  };
}

/** The child's descriptor of its stash file: its stdio entry after stdin, stdout, stderr and the IPC channel. */
const STASH_FD = 4;

/**
 * Opens a new, empty stash file for one child (see wire/stash-file.ts) and unlinks it at once: only the two
 * descriptors keep it, so nothing is left on disk, however either process ends. Undefined where that cannot
 * be done (no writable temp directory; a platform that cannot unlink an open file): the child then sends its
 * results before each task that may be stopped instead.
 */
function openStashFile(): number | undefined {
  const path = join(stashDir(), `aiox-stash-${process.pid}-${Math.random().toString(36).slice(2)}`);
  let fd: number;
  try {
    // O_EXCL: a file of that name that somebody else made is never used.
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch {
    return undefined;
  }
  try {
    unlinkSync(path);
  } catch {
    closeSync(fd);
    return undefined;
  }
  return fd;
}

let stashDirectory: string | undefined;

/**
 * Where stash files are made: Linux's shared-memory file system when it can be written, else `os.tmpdir()`.
 * A file in memory is never written back to a disk, and the last process that closes it frees it at once,
 * where a disk's file system may spend a journal write on it, in the middle of a child's exit.
 */
export function stashDir(): string {
  if (stashDirectory !== undefined) return stashDirectory;
  try {
    accessSync('/dev/shm', constants.W_OK);
    stashDirectory = '/dev/shm';
  } catch {
    stashDirectory = tmpdir();
  }
  return stashDirectory;
}

interface HostObjectWriter {
  _writeHostObject(object: object): void;
}

let sendCheckClass: (new () => DefaultSerializer) | undefined;

/**
 * What serializes a message as Node's 'advanced' IPC serialization does, only to throw now what it would
 * throw: a host object other than a typed array or a view becomes a copy of its own properties, as there.
 * Made on first use, so that `import 'aiox'` does not load node:v8 (see lazy-builtins.ts).
 */
function sendCheck(): new () => DefaultSerializer {
  if (sendCheckClass !== undefined) return sendCheckClass;
  const { DefaultSerializer } = v8Module();
  return (sendCheckClass = class SendCheck extends DefaultSerializer {
    _writeHostObject(object: object): void {
      if (ArrayBuffer.isView(object)) (DefaultSerializer.prototype as unknown as HostObjectWriter)._writeHostObject.call(this, object);
      else this.writeValue({ ...object });
    }
  });
}

/** Throws, as `child.send` would, if `message` cannot be sent over IPC. */
function assertSendable(message: unknown): void {
  const check = new (sendCheck())();
  check.writeHeader();
  check.writeValue(message);
}
