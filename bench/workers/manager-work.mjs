// Tasks of the manager scenario. Each receives a Manager's proxies as plain arguments; the worker runtime
// has turned them back into proxies before the task runs, so no import of aiox is needed here.
import { createHistogram } from 'node:perf_hooks';

/** `count` proxy calls one at a time; returns their p50 and p99 round trips in µs, timed in this worker. */
export async function proxyRoundTrips(value, count) {
  const histogram = createHistogram();
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    await value.get();
    histogram.record(Number(process.hrtime.bigint() - start));
  }
  return [histogram.percentile(50) / 1000, histogram.percentile(99) / 1000];
}

/** Puts `count` small items, keeping `window` puts in flight (what Python's Queue.put does by buffering). */
export async function produce(queue, count, window) {
  let inFlight = [];
  for (let i = 0; i < count; i++) {
    inFlight.push(queue.put(i));
    if (inFlight.length >= window) {
      await Promise.all(inFlight);
      inFlight = [];
    }
  }
  await Promise.all(inFlight);
}

/** Takes `count` items, `window` gets in flight; returns their sum. */
export async function consume(queue, count, window) {
  let sum = 0;
  for (let done = 0; done < count; ) {
    const n = Math.min(window, count - done);
    const items = await Promise.all(Array.from({ length: n }, () => queue.get()));
    for (const item of items) sum += item;
    done += n;
  }
  return sum;
}

/** Puts `count` small items in batches of `batch`, one putMany each, each awaited (back-pressure holds). */
export async function produceMany(queue, count, batch) {
  for (let i = 0; i < count; ) {
    const items = [];
    for (const end = Math.min(count, i + batch); i < end; i++) items.push(i);
    await queue.putMany(items);
  }
}

/** Takes `count` items with getMany, at most `batch` a call; returns their sum. */
export async function consumeMany(queue, count, batch) {
  let sum = 0;
  for (let done = 0; done < count; ) {
    const items = await queue.getMany({ max: Math.min(batch, count - done) });
    for (const item of items) sum += item;
    done += items.length;
  }
  return sum;
}
