import { fork } from 'node:child_process';
import type { FromWorker } from './protocol.js';
import type { SpawnWorker } from './transport.js';

const ENTRY = new URL('../worker/process-entry.js', import.meta.url);

/** Options that only process workers have. */
export interface ProcessTransportOptions {
  readonly execArgv: readonly string[] | undefined;
  readonly env: NodeJS.ProcessEnv | undefined;
}

/** Spawns workers as child processes talking over IPC with V8 serialization (the same cloning as threads). */
export function processSpawner(options: ProcessTransportOptions): SpawnWorker {
  return (init, events) => {
    const child = fork(ENTRY, [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      ...(options.execArgv === undefined ? {} : { execArgv: [...options.execArgv] }),
      ...(options.env === undefined ? {} : { env: options.env }),
    });
    let lastError: Error | undefined;
    child.on('message', (message) => events.message(message as FromWorker));
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
    return {
      post: (message) => {
        child.send(message);
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
