// The same executor on many machines, here two worker hosts on this one: a private Redis, two `aiox worker`
// processes serving one BullMQ queue, and map() over the primes of the cpu scenario. One host is killed
// (SIGKILL) in the middle of the run; the jobs it held run again on the other once their locks expire, and
// every result arrives once, in order.
//
//   npm run build && node build/examples/cluster.js      (needs redis-server on the PATH)
import { fileURLToPath } from 'node:url';
import { BullMQExecutor } from 'aiox/bullmq';
import { startHost, stopHost, type HostProcess } from './lib/hosts.js';
import { isMain } from './lib/main.js';
import { HOW_TO_INSTALL_REDIS, REDIS_SERVER, startRedis } from './lib/redis.js';
import { Timeline } from './lib/timeline.js';
import { CANDIDATES } from './primes.js';
import { isPrimeOnHost } from './tasks/cluster.js';

const TASKS = fileURLToPath(new URL('./tasks/cluster.js', import.meta.url));
const CHUNKSIZE = 10;
/** The victim is killed once this many results have arrived. */
const KILL_AFTER = 50;
/** One worker thread and short locks, so that a dead host's jobs move soon. */
const HOST_ARGS = ['--workers', '1', '--lock-duration', '1000', '--stalled-interval', '250'];

export async function cluster(): Promise<void> {
  if (REDIS_SERVER === undefined) {
    console.log(`  skipped: redis-server is not on the PATH; ${HOW_TO_INSTALL_REDIS}`);
    return;
  }
  const redis = await startRedis();
  const hosts: HostProcess[] = [];
  try {
    hosts.push(...(await Promise.all(['A', 'B'].map((name) => startHost(name, redis.url, 'cluster', TASKS, HOST_ARGS)))));
    const lane = (pid: number): string => {
      const host = hosts.find((h) => h.pid === pid);
      return host === undefined ? `pid ${pid}` : `host ${host.name} (pid ${pid})`;
    };
    console.log(`Redis on port ${redis.port}; hosts ${hosts.map((h) => `${h.name} (pid ${h.pid})`).join(' and ')} serve the queue.`);
    console.log(`map() over ${CANDIDATES.length} numbers in jobs of ${CHUNKSIZE}; host A is killed after ${KILL_AFTER} results.`);

    const timeline = new Timeline();
    const [victim, survivor] = hosts as [HostProcess, HostProcess];
    const chunks = new Map<number, { worker: string; start: number; end: number }>();
    const found: number[] = [];
    const started = performance.now();
    let killedAt = 0;
    {
      await using executor = new BullMQExecutor({ connection: redis.connection, queue: 'cluster' });
      let i = 0;
      for await (const { value: prime, host, start, end } of executor.map(isPrimeOnHost, CANDIDATES, { chunksize: CHUNKSIZE })) {
        if (prime) found.push(CANDIDATES[i]!);
        const chunk = Math.floor(i / CHUNKSIZE);
        const seen = chunks.get(chunk);
        chunks.set(chunk, seen === undefined ? { worker: lane(host), start, end } : { worker: seen.worker, start: Math.min(seen.start, start), end: Math.max(seen.end, end) });
        if (++i === KILL_AFTER) {
          victim.child.kill('SIGKILL');
          killedAt = timeline.now();
          timeline.mark(lane(victim.pid), 'killed', killedAt);
        }
      }
    }
    for (const [index, chunk] of chunks) timeline.add(`job ${index}`, chunk);

    const byHost = (pid: number): number => [...chunks.values()].filter((c) => c.worker === lane(pid)).length;
    console.log(`  ${found.length} primes: ${found.join(', ')}`);
    console.log(`  ${CANDIDATES.length} results in ${Math.round(performance.now() - started)} ms, each once and in order`);
    console.log(`  host A ran ${byHost(victim.pid)} jobs before it was killed at ${Math.round(killedAt)} ms; host B ran ${byHost(survivor.pid)}, among them the jobs A held when it died`);
    console.log(timeline.render());
  } finally {
    await Promise.all(hosts.map(stopHost));
    await redis.stop();
  }
}

if (isMain(import.meta.url)) await cluster();
