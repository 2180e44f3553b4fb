// Downloading pages on a ThreadPoolExecutor, each task using `fetch` inside its worker, and collecting
// them with `wait` (first to finish, then a deadline) and `asCompleted`. A local HTTP server stands in for
// the web: its pages answer after different delays, and one address does not exist.
//
//   npm run build && node build/examples/downloads.js
import { asCompleted, ThreadPoolExecutor, wait, type Future } from 'aiox';
import { startLocalWeb, type Page } from './lib/local-web.js';
import { noteIfBusy } from './lib/load.js';
import { isMain } from './lib/main.js';
import { Timeline } from './lib/timeline.js';
import { pageSize } from './tasks/io.js';
import type { Stamped } from './tasks/stamp.js';

export const PAGES: Readonly<Record<string, Page>> = {
  '/news': { bytes: 48_213, delay: 150 },
  '/weather': { bytes: 2_048, delay: 60 },
  '/sports': { bytes: 131_072, delay: 400 },
  '/archive': { bytes: 1_000_000, delay: 900 },
};
const PATHS = [...Object.keys(PAGES), '/no-such-page'];
const DEADLINE_MS = 300;

export async function downloads(): Promise<void> {
  await noteIfBusy(runDownloads);
}

async function runDownloads(): Promise<void> {
  await using web = await startLocalWeb(PAGES);
  console.log(`${PATHS.length} downloads from a local server on ${PATHS.length} worker threads`);
  const timeline = new Timeline();
  await using pool = new ThreadPoolExecutor({ maxWorkers: PATHS.length });
  // Like Python's future_to_url dict: a Future is an object, so it can key a Map.
  const pathOf = new Map<Future<Stamped<number>>, string>(PATHS.map((path) => [pool.submit(pageSize, web.url(path)), path]));

  const first = await wait(pathOf.keys(), { returnWhen: 'FIRST_COMPLETED' });
  const names = (futures: Iterable<Future<unknown>>): string => [...futures].map((f) => pathOf.get(f as Future<Stamped<number>>)).join(' ') || '-';
  console.log(`  wait FIRST_COMPLETED returned at ${ms(timeline.now())} ms: done ${names(first.done)}`);

  const later = await wait(pathOf.keys(), { timeout: DEADLINE_MS });
  console.log(`  wait ALL_COMPLETED with a ${DEADLINE_MS} ms timeout returned at ${ms(timeline.now())} ms: done ${names(later.done)}; not done ${names(later.notDone)}`);

  console.log('  asCompleted, already finished ones first:');
  for await (const { future } of asCompleted(pathOf.keys(), { timeout: 10_000 })) {
    const path = pathOf.get(future)!;
    const error = future.exception();
    if (error === undefined) {
      const { value: bytes, ...stamp } = future.result();
      timeline.add(path, stamp);
      console.log(`    ${path.padEnd(14)} ${String(bytes).padStart(9)} bytes   (seen at ${ms(timeline.now())} ms)`);
    } else {
      console.log(`    ${path.padEnd(14)} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  console.log(timeline.render());
}

function ms(value: number): string {
  return String(Math.round(value));
}

if (isMain(import.meta.url)) await downloads();
