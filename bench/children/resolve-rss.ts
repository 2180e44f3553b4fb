import { pMapIterable } from 'p-map';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { resolve } from 'aiox';

// Runs in its own process so that its peak RSS is its own: consumes `--items` lazily generated items
// through aiox `resolve` or p-map's `pMapIterable` (its closest peer) and prints the peak RSS in bytes.

const { values } = parseArgs({
  options: { impl: { type: 'string' }, items: { type: 'string' }, workers: { type: 'string', default: '1024' } },
});
const count = Number(values.items);
const workers = Number(values.workers);

async function trivial(i: number): Promise<number> {
  return i;
}

function* thunks(): Generator<() => Promise<number>> {
  for (let i = 0; i < count; i++) yield () => trivial(i);
}

function* range(): Generator<number> {
  for (let i = 0; i < count; i++) yield i;
}

async function consume(results: AsyncIterable<number>): Promise<number> {
  let seen = 0;
  for await (const value of results) {
    if (value !== seen) throw new Error(`result ${seen} out of order`);
    seen++;
  }
  return seen;
}

let seen: number;
if (values.impl === 'aiox') {
  // values() yields the plain results in input order (and would throw an item's failure at its position).
  seen = await consume(resolve(thunks(), { workers, greediness: workers }).values());
} else if (values.impl === 'p-map') {
  seen = await consume(pMapIterable(range(), trivial, { concurrency: workers, backpressure: workers }));
} else if (values.impl === 'baseline') {
  seen = count;
} else {
  throw new RangeError(`--impl must be aiox, p-map or baseline, received ${values.impl}`);
}
if (seen !== count) throw new Error(`consumed ${seen} of ${count} items`);
console.log(JSON.stringify({ peakRss: peakRss() }));

/**
 * The peak resident set of this process in bytes. On Linux, VmHWM: `resourceUsage().maxRSS` keeps the
 * parent's high-water mark across fork and exec, so it would report the bench runner's memory.
 */
function peakRss(): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match !== null) return Number(match[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}
