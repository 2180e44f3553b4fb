import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { get, type IncomingMessage } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { addDetail, figure, type BenchContext, type Scenario } from '../lib/context.js';
import { fromRoot } from '../lib/paths.js';
import { median } from '../lib/stats.js';

const CHILD = fileURLToPath(fromRoot('build/bench/children/reactor-server.js'));
/** SHA-256 rounds per /digest: about 15 ms of CPU on the reference machine. */
const ROUNDS = 5_000;
/** Clients asking for /digest one request after another: two per worker, so none waits for work. */
const CLIENTS_PER_WORKER = 2;
const PING_EVERY_MS = 10;

/** A server of the scenario: its name in the results, and how bench/children/reactor-server.ts starts it. */
interface Server {
  readonly name: string;
  readonly args: readonly string[];
}

const AIOX: Server = { name: 'aiox reactor', args: ['--server', 'aiox'] };
const CLUSTER: Server = { name: 'node:cluster', args: ['--server', 'cluster'] };

/**
 * The servers, taking turns within each round. AIOX_BENCH_BASELINE (a file URL or path of another build's
 * index.js) adds that build's reactor, reported beside the others and in no figure.
 */
function servers(): Server[] {
  const baseline = process.env.AIOX_BENCH_BASELINE;
  if (baseline === undefined || baseline === '') return [AIOX, CLUSTER];
  return [AIOX, CLUSTER, { name: 'aiox reactor (baseline)', args: ['--server', 'aiox', '--aiox', baseline] }];
}

/** A server of bench/children/reactor-server.ts, running until `stop()`. */
interface Running {
  readonly port: number;
  stop(): Promise<void>;
}

async function start(server: Server, workers: number): Promise<Running> {
  const child: ChildProcess = spawn(process.execPath, [CHILD, ...server.args, '--workers', String(workers)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  const exited = once(child, 'exit');
  return {
    port: Number(line),
    stop: async () => {
      child.stdin!.end();
      await exited;
    },
  };
}

/** GET on a connection of its own: a handed-over connection cannot be reused, so no server reuses any. */
async function fetchText(url: string): Promise<string> {
  const [response] = (await once(get(url, { agent: false }), 'response')) as [IncomingMessage];
  response.setEncoding('utf8');
  let body = '';
  for await (const chunk of response) body += chunk as string;
  if (response.statusCode !== 200) throw new Error(`GET ${url} answered ${response.statusCode}`);
  return body;
}

/**
 * `count` /digest requests from `clients` clients, while a ping is due every PING_EVERY_MS (each sent on
 * its own, as separate clients would, and timed from when it was due). Returns /digest requests per second
 * and the pings' waits in milliseconds.
 */
async function load(port: number, count: number, clients: number): Promise<{ rate: number; pings: number[] }> {
  const base = `http://127.0.0.1:${port}`;
  let sent = 0;
  let done = false;
  const start = performance.now();
  const heavy = async (): Promise<void> => {
    while (sent < count) {
      sent++;
      await fetchText(`${base}/digest?rounds=${ROUNDS}`);
    }
  };
  const pinger = async (): Promise<number[]> => {
    const waits: Promise<number>[] = [];
    for (let due = start; !done; due += PING_EVERY_MS) {
      const early = due - performance.now();
      if (early > 0) await new Promise((resolve) => setTimeout(resolve, early));
      waits.push(fetchText(`${base}/ping`).then(() => performance.now() - due));
    }
    return Promise.all(waits);
  };
  const pings = pinger();
  await Promise.all(Array.from({ length: clients }, heavy));
  const rate = count / ((performance.now() - start) / 1000);
  done = true;
  return { rate, pings: await pings };
}

function p99(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))] ?? Number.NaN;
}

async function run(ctx: BenchContext): Promise<void> {
  const count = ctx.quick ? 40 : 200;
  const clients = ctx.workers * CLIENTS_PER_WORKER;
  const contenders = servers();
  const running = new Map<Server, Running>();
  const rates = new Map<Server, number[]>(contenders.map((s) => [s, []]));
  const latencies = new Map<Server, number[]>(contenders.map((s) => [s, []]));
  try {
    for (const server of contenders) running.set(server, await start(server, ctx.workers));
    for (const server of contenders) await load(running.get(server)!.port, clients, clients);
    // The servers take turns within each round, so that all meet the same machine.
    for (let r = 0; r < ctx.rounds; r++) {
      for (const server of contenders) {
        const { rate, pings } = await load(running.get(server)!.port, count, clients);
        rates.get(server)!.push(rate);
        latencies.get(server)!.push(p99(pings));
      }
    }
  } finally {
    await Promise.all([...running.values()].map((server) => server.stop()));
  }
  const rate = new Map<Server, number>();
  const latency = new Map<Server, number>();
  for (const server of contenders) {
    rate.set(server, median(rates.get(server)!));
    latency.set(server, median(latencies.get(server)!));
    addDetail(ctx, { scenario: 'reactor', contender: server.name, metric: '/digest', unit: 'req/s', median: rate.get(server)!, samples: rates.get(server)! });
    addDetail(ctx, { scenario: 'reactor', contender: server.name, metric: '/ping p99', unit: 'ms', median: latency.get(server)!, samples: latencies.get(server)! });
  }
  const what = `${count} /digest requests (${ROUNDS} SHA-256 rounds each) from ${clients} clients, ${ctx.workers} worker processes`;
  ctx.figures.push(
    figure({
      id: 'rx1',
      title: `reactor throughput: ${what}, vs node:cluster`,
      unit: 'req/s',
      aiox: rate.get(AIOX)!,
      reference: { name: CLUSTER.name, value: rate.get(CLUSTER)! },
      target: null,
    }),
    figure({
      id: 'rx2',
      title: `/ping p99 while those run (a ping due every ${PING_EVERY_MS} ms), vs node:cluster (lower is better)`,
      unit: 'ms',
      aiox: latency.get(AIOX)!,
      reference: { name: CLUSTER.name, value: latency.get(CLUSTER)! },
      target: null,
    }),
  );
}

export const reactor: Scenario = {
  id: 'reactor',
  title: 'an HTTP server handing its CPU-heavy connections to worker processes, against node:cluster serving the same endpoints',
  run,
};
