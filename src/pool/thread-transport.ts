import { Worker, type ResourceLimits } from 'node:worker_threads';
import { BrokenThreadPool } from '../futures/errors.js';
import { holdOpen } from '../internal/timers.js';
import { workerExited } from '../internal/worker-exits.js';
import { InboundCheck } from './inbound.js';
import type { FromWorker } from '../wire/protocol.js';
import type { SpawnWorker, Transport } from './transport.js';
import { workerEntry } from '../internal/worker-entry.js';

/** Options that only thread workers have. */
export interface ThreadTransportOptions {
  readonly resourceLimits: ResourceLimits | undefined;
  readonly name: string;
}

/** Workers as `worker_threads`. */
export function threadTransport(options: ThreadTransportOptions): Transport {
  return { kind: 'thread', Broken: BrokenThreadPool, spawn: threadSpawner(options), canWithdraw: true };
}

function threadSpawner(options: ThreadTransportOptions): SpawnWorker {
  const entry = workerEntry('thread-entry');
  return (init, events) => {
    const worker = new Worker(entry, {
      workerData: init,
      name: options.name,
      ...(options.resourceLimits === undefined ? {} : { resourceLimits: options.resourceLimits }),
    });
    // Read now: once the thread has exited, `worker.threadId` reads -1.
    const threadId = worker.threadId;
    let lastError: Error | undefined;
    const inbound = new InboundCheck(init.token);
    worker.on('message', (message: FromWorker) => {
      if (inbound.accepts(message)) events.message(message);
    });
    worker.on('error', (error: Error) => {
      lastError = error;
    });
    worker.on('exit', (code) => {
      // First free what the dead thread held in shared memory (src/shared/), then fail its tasks.
      workerExited(threadId);
      events.exit(code, null, lastError);
    });
    return {
      post: (message, transfer) => {
        worker.postMessage(message, transfer as Parameters<Worker['postMessage']>[1]);
        inbound.sent(message);
      },
      tell: (message) => worker.postMessage(message),
      terminate: () => {
        // Node lets go of a terminating worker's handle, so the program could end before 'exit' arrives and
        // shutdown() would never settle: hold the program open until the exit.
        worker.once('exit', holdOpen());
        void worker.terminate();
      },
      ref: () => worker.ref(),
      unref: () => worker.unref(),
    };
  };
}
