import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { FromWorker } from './protocol.js';
import type { SpawnWorker } from './transport.js';

const ENTRY = new URL('../worker/thread-entry.js', import.meta.url);

/** Options that only thread workers have. */
export interface ThreadTransportOptions {
  readonly resourceLimits: ResourceLimits | undefined;
  readonly name: string;
}

/** Spawns workers as `worker_threads`. */
export function threadSpawner(options: ThreadTransportOptions): SpawnWorker {
  return (init, events) => {
    const worker = new Worker(ENTRY, {
      workerData: init,
      name: options.name,
      ...(options.resourceLimits === undefined ? {} : { resourceLimits: options.resourceLimits }),
    });
    let lastError: Error | undefined;
    worker.on('message', (message: FromWorker) => events.message(message));
    worker.on('error', (error: Error) => {
      lastError = error;
    });
    worker.on('exit', (code) => events.exit(code, null, lastError));
    return {
      post: (message, transfer) => worker.postMessage(message, transfer),
      terminate: () => void worker.terminate(),
      ref: () => worker.ref(),
      unref: () => worker.unref(),
    };
  };
}
