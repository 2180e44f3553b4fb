import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { Latency, perSecond } from './stats.js';
import { workerPath } from './paths.js';

/**
 * The raw floors: a worker thread or a child process that answers `{ a, b }` with a + b, or a flat batch
 * array with an array of sums (bench/workers/floor-*.mjs), driven with no pool at all.
 */
export interface Channel {
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  close(): Promise<void>;
}

export async function threadChannel(): Promise<Channel> {
  const worker = new Worker(workerPath('floor-thread.mjs'));
  await once(worker, 'online');
  return {
    send: (message) => worker.postMessage(message),
    onMessage: (listener) => {
      worker.removeAllListeners('message');
      worker.on('message', listener);
    },
    close: async () => {
      await worker.terminate();
    },
  };
}

export async function childChannel(): Promise<Channel> {
  const child: ChildProcess = fork(workerPath('floor-child.mjs'), [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await once(child, 'spawn');
  return {
    send: (message) => void child.send(message as object),
    onMessage: (listener) => {
      child.removeAllListeners('message');
      child.on('message', listener);
    },
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill();
      await exited;
    },
  };
}

/** One task at a time to one channel: the bare round trip. */
export async function roundTrips(channel: Channel, count: number): Promise<Latency> {
  const latency = new Latency();
  let resolve: (value: unknown) => void = () => undefined;
  channel.onMessage((message) => resolve(message));
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const answered = new Promise((r) => (resolve = r));
    channel.send({ a: i, b: 1 });
    await answered;
    latency.since(start);
  }
  return latency;
}

/**
 * Keeps `window` messages of `perMessage` tasks in flight on every channel until `total` tasks are done;
 * returns tasks per second. `perMessage` 1 sends `{ a, b }`, more sends a batch array.
 */
export function pipeline(channels: readonly Channel[], total: number, perMessage: number, window: number): Promise<number> {
  const batch = perMessage === 1 ? undefined : Array.from({ length: perMessage * 2 }, (_, i) => i);
  return new Promise((resolve) => {
    let sent = 0;
    let done = 0;
    const start = performance.now();
    const send = (channel: Channel): void => {
      sent += perMessage;
      channel.send(batch ?? { a: sent, b: 1 });
    };
    for (const channel of channels) {
      channel.onMessage(() => {
        done += perMessage;
        if (done >= total) resolve(perSecond(done, performance.now() - start));
        else if (sent < total) send(channel);
      });
    }
    for (let w = 0; w < window; w++) for (const channel of channels) if (sent < total) send(channel);
  });
}
