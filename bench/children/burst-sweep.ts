import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { threadChannel, type Channel } from '../lib/floor.js';

// Runs one contender of the burst size sweep in its own process (with --expose-gc), so that each size
// starts from a fresh heap: `--count` tiny tasks submitted at once and awaited with Promise.all, for
// `--rounds` timed rounds after a small warm-up, then one more round in which the heap is measured while
// every task is pending. Prints { micros: [per-task µs of each round], bytesPerPending }.
//   --impl floor   raw batched postMessage to bare worker threads + one native promise per task
//   --impl aiox    ThreadPoolExecutor.submit, one Future per task
//   --dist DIR     (aiox only) load aiox from DIR/index.js instead of this package's build, to compare
//                  another build (a base commit's dist/) in the same machine state

const { values } = parseArgs({
  options: {
    impl: { type: 'string' },
    count: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    workers: { type: 'string', default: '2' },
    dist: { type: 'string' },
  },
});
const count = Number(values.count);
const rounds = Number(values.rounds);
const workers = Number(values.workers);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

/** Heap in use after full collections. */
function heapUsed(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

/** One burst; with `measure`, the heap is measured once every task is pending and the jobs of Promise.all have run. */
type Burst = (count: number, measure: boolean) => Promise<{ ms: number; bytes: number }>;

const WORK = new URL('../../../bench/workers/work.cjs', import.meta.url);
const BATCH = 256;
const WINDOW = 4;

async function floorBurst(channels: readonly Channel[], n: number, measure: boolean): Promise<{ ms: number; bytes: number }> {
  const resolvers = new Array<(value: number) => void>(n);
  const pending = new Array<Promise<number>>(n);
  const before = measure ? heapUsed() : 0;
  const start = performance.now();
  for (let i = 0; i < n; i++) pending[i] = new Promise<number>((resolve) => (resolvers[i] = resolve));
  const all = Promise.all(pending);
  const bytes = measure ? (await settleJobs(), heapUsed() - before) / n : 0;
  let sent = 0;
  let done = 0;
  await new Promise<void>((finished) => {
    const firsts = channels.map(() => [] as number[]);
    const send = (c: number): void => {
      const first = sent;
      const size = Math.min(BATCH, n - sent);
      sent += size;
      const batch = new Array<number>(size * 2);
      for (let j = 0; j < size; j++) {
        batch[2 * j] = first + j;
        batch[2 * j + 1] = 1;
      }
      firsts[c]!.push(first);
      channels[c]!.send(batch);
    };
    channels.forEach((channel, c) => {
      channel.onMessage((message) => {
        const sums = message as number[];
        const first = firsts[c]!.shift()!;
        for (let j = 0; j < sums.length; j++) resolvers[first + j]!(sums[j]!);
        done += sums.length;
        if (done >= n) finished();
        else if (sent < n) send(c);
      });
    });
    for (let w = 0; w < WINDOW; w++) for (let c = 0; c < channels.length; c++) if (sent < n) send(c);
  });
  check(await all, n);
  return { ms: performance.now() - start, bytes };
}

/** Lets the microtasks of a Promise.all (its jobs for thenables) run, without giving way to any reply. */
async function settleJobs(): Promise<void> {
  for (let i = 0; i < 4; i++) await null;
}

function check(results: readonly number[], n: number): void {
  let sum = 0;
  for (const value of results) sum += value;
  if (sum !== (n * (n + 1)) / 2) throw new Error('wrong results');
}

let burst: Burst;
let close: () => Promise<unknown>;
if (values.impl === 'floor') {
  const channels: Channel[] = [];
  for (let i = 0; i < workers; i++) channels.push(await threadChannel());
  burst = (n, measure) => floorBurst(channels, n, measure);
  close = () => Promise.all(channels.map((c) => c.close()));
} else if (values.impl === 'aiox') {
  const entry = values.dist === undefined ? 'aiox' : pathToFileURL(`${values.dist}/index.js`).href;
  const { ThreadPoolExecutor, taskRef } = (await import(entry)) as typeof import('aiox');
  const add = taskRef<(a: number, b: number) => number>(WORK, 'add');
  const pool = new ThreadPoolExecutor({ maxWorkers: workers });
  burst = async (n, measure) => {
    const pending = new Array<PromiseLike<number>>(n);
    const before = measure ? heapUsed() : 0;
    const start = performance.now();
    for (let i = 0; i < n; i++) pending[i] = pool.submit(add, i, 1);
    const all = Promise.all(pending);
    const bytes = measure ? (await settleJobs(), heapUsed() - before) / n : 0;
    check(await all, n);
    return { ms: performance.now() - start, bytes };
  };
  close = () => pool.shutdown();
} else {
  throw new RangeError(`--impl must be floor or aiox, received ${values.impl}`);
}

await burst(Math.min(count, 2000), false);
const micros: number[] = [];
for (let r = 0; r < rounds; r++) micros.push(((await burst(count, false)).ms * 1000) / count);
const { bytes } = await burst(count, true);
await close();
console.log(JSON.stringify({ micros, bytesPerPending: bytes }));
