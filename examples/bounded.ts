// Bounded concurrency and rate limits, the crawler's tools: `collect` with 2 workers over calls to a local
// HTTP server that answers slowly, then ten calls through `rateLimited` (at most 2 starts per 1000 ms, and
// 200 ms apart). Each prints when every call started and ended.
//
//   npm run build && node build/examples/bounded.js
import { collect, rateLimited } from 'aiox';
import { startLocalWeb } from './lib/local-web.js';
import { noteIfBusy } from './lib/load.js';
import { isMain } from './lib/main.js';
import { Timeline } from './lib/timeline.js';

const PAGES = [300, 100, 200, 100, 300, 100];

async function collectWithTwoWorkers(): Promise<void> {
  await using web = await startLocalWeb(Object.fromEntries(PAGES.map((ms, i) => [`/page/${i}`, { delay: ms, bytes: 100 * (i + 1) }])));
  console.log(`collect, 2 workers, ${PAGES.length} pages answered after ${PAGES.join(', ')} ms:`);
  const timeline = new Timeline();
  const free = ['worker A', 'worker B'];
  const sizes = await collect(
    PAGES.map((_, i) => async ({ signal }: { signal: AbortSignal }) => {
      const lane = free.shift()!;
      const start = timeline.now();
      const body = await (await fetch(web.url(`/page/${i}`), { signal })).text();
      timeline.addSpan(lane, `page ${i}`, start, timeline.now());
      free.push(lane);
      return body.length;
    }),
    { workers: 2 },
  );
  console.log(`  sizes in input order: ${sizes.join(', ')}; ${Math.round(timeline.now())} ms in all (serial would be ${PAGES.reduce((a, b) => a + b)} ms)`);
  console.log(timeline.render());
}

async function tenRateLimitedCalls(): Promise<void> {
  console.log('rateLimited: 10 calls, at most 2 starts per 1000 ms, at least 200 ms apart');
  const origin = performance.now();
  const query = rateLimited({ maxCalls: 2, period: 1000, minInterval: 200 })(async (n: number) => ({ n, at: performance.now() - origin }));
  const starts = await Promise.all(Array.from({ length: 10 }, (_, n) => query(n)));
  console.log(`  started at ${starts.map(({ at }) => `${Math.round(at)}`).join(', ')} ms`);
}

/** Both halves, one after the other. */
export async function bounded(): Promise<void> {
  await noteIfBusy(collectWithTwoWorkers);
  await noteIfBusy(tenRateLimitedCalls);
}

if (isMain(import.meta.url)) await bounded();
