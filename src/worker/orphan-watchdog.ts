import { Worker } from 'node:worker_threads';
import { STASH_CELLS_BYTES, STASH_EXACT, STASH_LOCK, STASH_PUBLISHED, STASH_WATCHED, STASH_WRITTEN, STUCK_MS, type StashShare } from '../wire/stash-file.js';

/** How often the watchdog looks for the parent, in milliseconds. */
const PERIOD_MS = 200;

// Runs in a thread of its own: the child's main thread may be stuck in a task (`while (true) {}`), where
// neither the IPC 'disconnect' event nor a timer of its can run. When the parent is gone, whatever it died
// of (even SIGKILL), the child is adopted by another process, so its parent pid changes; the watchdog then
// kills its whole process. Windows adopts no orphans (the parent pid stays), so there the watchdog asks
// whether that pid still exists. Plain CommonJS, evaluated as a string: no module to resolve or load.
// Where the parent has a reaper (pool/orphan-reaper.ts), which kills the child itself, the watchdog is
// started only for the stash file, once that pays (see WRITES_BEFORE_WATCHDOG), or never.
//
// With a stash file kept in memory (see stash-file.ts), it also writes the records the main thread published
// once they have stayed the same for STUCK_MS (the main thread is on one task, or idle), and makes the main
// thread write its records itself from then on (STASH_EXACT), until the file starts over. It sleeps while
// everything published is written; the main thread wakes it when it publishes after starting the file over.
// The lock and the write are those of stash-file.ts (lockShare, writePublished), spelt in plain JavaScript.
const SOURCE = `
const { workerData } = require('node:worker_threads');
const { parent, stash } = workerData;
const gone = () => {
  if (process.ppid !== parent) return true;
  try {
    process.kill(parent, 0);
    return false;
  } catch (error) {
    return error.code === 'ESRCH';
  }
};
setInterval(() => {
  if (gone()) process.kill(process.pid, 'SIGKILL');
}, ${PERIOD_MS});
if (stash !== undefined) {
  const { writeSync } = require('node:fs');
  const cells = new Int32Array(stash.buffer, 0, ${STASH_CELLS_BYTES / 4});
  const image = new Uint8Array(stash.buffer, ${STASH_CELLS_BYTES});
  let last = -1;
  Atomics.store(cells, ${STASH_WATCHED}, 1);
  const write = () => {
    Atomics.store(cells, ${STASH_EXACT}, 1);
    while (Atomics.compareExchange(cells, ${STASH_LOCK}, 0, 1) !== 0) Atomics.wait(cells, ${STASH_LOCK}, 1, 1);
    try {
      const written = Atomics.load(cells, ${STASH_WRITTEN});
      const published = Atomics.load(cells, ${STASH_PUBLISHED});
      if (published > written) writeSync(stash.fd, image, written, published - written, written);
      Atomics.store(cells, ${STASH_WRITTEN}, published);
    } catch {
      // The main thread's next write fails the same way, and it sends instead.
    } finally {
      Atomics.store(cells, ${STASH_LOCK}, 0);
      Atomics.notify(cells, ${STASH_LOCK}, 1);
    }
  };
  const look = () => {
    const published = Atomics.load(cells, ${STASH_PUBLISHED});
    if (published > Atomics.load(cells, ${STASH_WRITTEN})) {
      if (published === last) {
        write();
        last = -1;
      } else last = published;
      setTimeout(look, ${STUCK_MS});
      return;
    }
    last = -1;
    const wait = Atomics.waitAsync(cells, ${STASH_PUBLISHED}, published);
    if (wait.async) wait.value.then(look);
    else setTimeout(look, ${STUCK_MS});
  };
  look();
}
`;

/**
 * Starts the watchdog of a pool child: within about {@link PERIOD_MS} ms of its parent's death the child
 * is killed. It never keeps the child alive. With `stash`, it also writes the child's stash file kept in
 * memory when the child stays on one task (see the comment above); `unwatched` is called if it ends.
 */
export function watchParent(stash?: StashShare, unwatched?: () => void): void {
  const parent = process.ppid;
  const watchdog = new Worker(SOURCE, {
    eval: true,
    workerData: { parent, stash },
    name: 'aiox-orphan-watchdog',
    // It prints nothing. Left false, these would pipe its output into this child's process.stdout and
    // process.stderr, whose creation doubled the time `new Worker` takes here (about 2.3 ms against 1.2),
    // on the path of every process worker's first task.
    stdout: true,
    stderr: true,
    env: {},
  });
  watchdog.unref();
  // A watchdog that cannot run (out of memory, say) must not take the child down with it; the stash file is
  // then written by the child itself.
  watchdog.on('error', () => undefined);
  if (stash !== undefined && unwatched !== undefined) watchdog.on('exit', unwatched);
}
