import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { currentTask, defineTask } from 'aiox';
import { workerName } from './stamp.js';

/** What the `checksum` task tells its caller while it runs, besides its progress (a fraction done). */
export type ChecksumEvent = { readonly scratch: string; readonly worker: string };

/**
 * A long task: hashes `chunks` chunks of generated data, one per turn of the worker's event loop, keeping a
 * scratch file in `dir` while it works. It reports the fraction done, stops when its signal aborts, and
 * cleans up either way: the scratch file never outlives the task.
 */
export const checksum = defineTask(import.meta.url, async function checksum(chunks: number, dir: string): Promise<string> {
  const task = currentTask(checksum); // in the synchronous part: an async task keeps its context
  const scratch = join(dir, `checksum-${task.id}.tmp`);
  writeFileSync(scratch, '');
  task.emit({ scratch, worker: workerName() });
  try {
    const hash = createHash('sha256');
    const chunk = Buffer.alloc(1 << 16);
    for (let i = 0; i < chunks; i++) {
      task.signal.throwIfAborted();
      chunk.fill(i & 0xff);
      for (let round = 0; round < 40; round++) hash.update(chunk);
      task.progress((i + 1) / chunks);
      // A turn of the event loop between chunks: where the abort reaches the signal.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return hash.digest('hex').slice(0, 16);
  } finally {
    rmSync(scratch, { force: true });
  }
}).reports<number, ChecksumEvent>();
