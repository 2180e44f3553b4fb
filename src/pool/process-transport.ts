import { fork } from 'node:child_process';
import { extractHandles } from './handles.js';
import { InboundCheck } from './inbound.js';
import type { FromWorker, HandleMessage } from './protocol.js';
import type { SpawnWorker } from './transport.js';
import { workerEntry } from '../internal/worker-entry.js';

const ENTRY = new URL('../worker/process-entry.js', import.meta.url);

/** Options that only process workers have. */
export interface ProcessTransportOptions {
  readonly execArgv: readonly string[] | undefined;
  readonly env: NodeJS.ProcessEnv | undefined;
}

/** Spawns workers as child processes talking over IPC with V8 serialization (the same cloning as threads). */
export function processSpawner(options: ProcessTransportOptions): SpawnWorker {
  const entry = workerEntry(ENTRY);
  return (init, events) => {
    const child = fork(entry, [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      ...(options.execArgv === undefined ? {} : { execArgv: [...options.execArgv] }),
      ...(options.env === undefined ? {} : { env: options.env }),
    });
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
      if (exited !== undefined && disconnected) events.exit(exited[0], exited[1], lastError);
    };
    child.on('exit', (code, signal) => {
      exited = [code, signal];
      reportExit();
    });
    child.on('disconnect', () => {
      disconnected = true;
      reportExit();
    });
    child.send({ type: 'init', init });
    let referenced = true;
    let terminating = false;
    let handleIds = 0;
    return {
      post: (message, transfer) => {
        if (transfer === undefined || transfer.length === 0) {
          child.send(message);
          return inbound.sent(message);
        }
        // IPC passes one handle per message: each goes first, alone, and the batch names where it belongs.
        // Node keeps the messages in order; the worker holds the batch until its handles have arrived.
        const { run, handles } = extractHandles(message, transfer, () => handleIds++);
        for (const [id, handle] of handles) child.send({ type: 'handle', id } satisfies HandleMessage, handle);
        child.send(run);
        inbound.sent(message);
      },
      terminate: (signal = 'SIGKILL') => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        // Held until it has exited, so that shutdown() can wait for the exit.
        terminating = true;
        child.ref();
        child.channel?.ref();
        child.kill(signal);
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
