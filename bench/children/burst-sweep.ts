import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { threadChannel, type Channel } from '../lib/floor.js';

// One size of the burst size sweep, in its own process (with --expose-gc) so that it starts from a fresh
// heap: `--count` tiny tasks submitted at once and awaited with Promise.all, by each contender in turn within
// every round (the order rotating), so that all of them meet the same machine load; then, for each, one more
// burst in which the heap is measured while every task is pending. Prints
// { micros: { contender: [per-task µs of each round] }, bytes: { contender: heap bytes per pending task } }.
//   --contenders floor,aiox   floor: raw batched postMessage to bare worker threads + one native promise
//                             per task; aiox: ThreadPoolExecutor.submit, one Future per task; aiox@DIR: the
//                             same with aiox loaded from DIR/index.js (another build, a base commit's dist/)

const { values } = parseArgs({
  options: {
    contenders: { type: 'string', default: 'floor,aiox' },
    count: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    workers: { type: 'string', default: '2' },
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

async function open(contender: string): Promise<{ burst: Burst; close: () => Promise<unknown> }> {
  if (contender === 'floor') {
    const channels: Channel[] = [];
    for (let i = 0; i < workers; i++) channels.push(await threadChannel());
    return { burst: (n, measure) => floorBurst(channels, n, measure), close: () => Promise.all(channels.map((c) => c.close())) };
  }
  if (contender !== 'aiox' && !contender.startsWith('aiox@')) throw new RangeError(`unknown contender ${contender}`);
  const entry = contender === 'aiox' ? 'aiox' : pathToFileURL(`${contender.slice(5)}/index.js`).href;
  const { ThreadPoolExecutor, taskRef } = (await import(entry)) as typeof import('aiox');
  const add = taskRef<(a: number, b: number) => number>(WORK, 'add');
  const pool = new ThreadPoolExecutor({ maxWorkers: workers });
  const burst: Burst = async (n, measure) => {
    const pending = new Array<PromiseLike<number>>(n);
    const before = measure ? heapUsed() : 0;
    const start = performance.now();
    for (let i = 0; i < n; i++) pending[i] = pool.submit(add, i, 1);
    const all = Promise.all(pending);
    const bytes = measure ? (await settleJobs(), heapUsed() - before) / n : 0;
    check(await all, n);
    return { ms: performance.now() - start, bytes };
  };
  return { burst, close: () => pool.shutdown() };
}

const names = values.contenders.split(',');
const opened = [];
for (const name of names) opened.push(await open(name));
for (const { burst } of opened) await burst(Math.min(count, 2000), false);
const micros: Record<string, number[]> = {};
const bytes: Record<string, number> = {};
for (const name of names) micros[name] = [];
for (let r = 0; r < rounds; r++) {
  for (let k = 0; k < names.length; k++) {
    const i = (r + k) % names.length;
    micros[names[i]!]!.push(((await opened[i]!.burst(count, false)).ms * 1000) / count);
  }
}
for (let i = 0; i < names.length; i++) bytes[names[i]!] = (await opened[i]!.burst(count, true)).bytes;
for (const { close } of opened) await close();
console.log(JSON.stringify({ micros, bytes }));
