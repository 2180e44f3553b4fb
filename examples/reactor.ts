// The Reactor question: accept connections in one process and serve the heavy ones in worker processes.
// A local HTTP server has a CPU-heavy endpoint (/digest) and a cheap one (/ping). Run once doing the
// digests on its own event loop, and once handing each /digest connection to a ProcessPoolExecutor
// (`transfer: [socket]`), it answers the same clients; what /ping waits for shows which loop stays free.
// (Python cannot pass a socket to another process without platform-specific code; Node can.)
//
//   npm run build && node build/examples/reactor.js
import { once } from 'node:events';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProcessPoolExecutor } from 'aiox';
import { noteIfBusy } from './lib/load.js';
import { isMain } from './lib/main.js';
import { digest, serveDigest } from './tasks/reactor.js';

/** SHA-256 rounds per /digest request: tens of milliseconds of CPU. */
const ROUNDS = 10_000;
/** Clients asking for /digest, one request after another each, while the pings run. */
const HEAVY_CLIENTS = 4;
const PING_EVERY_MS = 20;
const RUN_MS = 1_500;
const WORKERS = 2;

/** What the clients saw in one run. */
export interface RunFigures {
  /** /digest answers, each "<hex> from pid <pid>". */
  readonly digests: readonly string[];
  /** Each /ping's wait, from when it was due to its answer, in milliseconds. */
  readonly pings: readonly number[];
  readonly ms: number;
}

export async function reactor(): Promise<void> {
  await noteIfBusy(runReactor);
}

async function runReactor(): Promise<void> {
  console.log(`A local HTTP server: /digest costs ${ROUNDS} SHA-256 rounds of CPU, /ping nothing. ${HEAVY_CLIENTS} clients ask`);
  console.log(`for /digest one after another for ${RUN_MS} ms, while another asks for /ping every ${PING_EVERY_MS} ms.`);
  const expected = digest(ROUNDS);
  const onLoop = await run(undefined);
  await using pool = new ProcessPoolExecutor({ maxWorkers: WORKERS });
  // Started beforehand, as a server's pool would be: the comparison is of serving, not of starting processes.
  await Promise.all(Array.from({ length: WORKERS }, () => pool.submit(() => process.pid)));
  const onPool = await run(pool);
  const rows = [
    ['on its own event loop:', onLoop],
    [`handed to ${WORKERS} worker processes:`, onPool],
  ] as const;
  for (const [label, figures] of rows) console.log(`  ${label.padEnd(rows[1][0].length)} ${describe(figures)}`);
  const served = (figures: RunFigures): Set<string> => new Set(figures.digests.map((body) => body.slice(body.indexOf(' from ') + 6)));
  const wrong = [...onLoop.digests, ...onPool.digests].filter((body) => !body.startsWith(`${expected} `)).length;
  console.log(`  every digest ${wrong === 0 ? 'was' : `was NOT (${wrong} wrong)`} the same; on the loop served by ${[...served(onLoop)].join(', ')}, handed over served by ${[...served(onPool)].sort().join(', ')}`);
  console.log(`  ${verdict(percentile(onLoop.pings, 0.99), percentile(onPool.pings, 0.99))}`);
}

/** The comparison of /ping's p99 latencies, in milliseconds, on the loop and with the pool. */
export function verdict(loopP99: number, poolP99: number): string {
  if (poolP99 >= loopP99) return `/ping's p99 was no shorter with the pool (${poolP99.toFixed(0)} ms against ${loopP99.toFixed(0)} ms): other programs must have kept the cores busy`;
  const ratio = loopP99 / Math.max(poolP99, 0.1);
  return `/ping's p99 was ${ratio.toFixed(ratio < 10 ? 1 : 0)}x shorter with the pool: the loop that accepts stays free for cheap requests`;
}

/** Starts the server (handing /digest to `pool` when given), runs the clients against it, closes it. */
async function run(pool: ProcessPoolExecutor | undefined): Promise<RunFigures> {
  const server = serve(pool);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const start = performance.now();
    const until = start + RUN_MS;
    const digests: string[] = [];
    const heavy = async (): Promise<void> => {
      while (performance.now() < until) digests.push(await fetchText(`${base}/digest?rounds=${ROUNDS}`));
    };
    const [pings] = await Promise.all([ping(`${base}/ping`, start, until), ...Array.from({ length: HEAVY_CLIENTS }, heavy)]);
    return { digests, pings, ms: performance.now() - start };
  } finally {
    server.close();
  }
}

function serve(pool: ProcessPoolExecutor | undefined): Server {
  return createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === '/ping') {
      response.end('pong');
    } else if (url.pathname !== '/digest') {
      response.writeHead(404).end();
    } else if (pool === undefined) {
      response.end(`${digest(Number(url.searchParams.get('rounds')))} from pid ${process.pid}`);
    } else {
      // The request has been read here; the worker writes the response on the connection and closes it.
      const { socket } = request;
      pool.submitWith(serveDigest, [socket, Number(url.searchParams.get('rounds'))], { transfer: [socket] }).catch(() => socket.destroy());
    }
  });
}

/**
 * Asks for `url` every PING_EVERY_MS until `until`, each on its own connection without waiting for the one
 * before (as separate clients would); returns how long each waited from when it was due, so that a ping
 * whose timer fired late behind a blocked loop counts that delay too.
 */
async function ping(url: string, start: number, until: number): Promise<number[]> {
  const waits: Promise<number>[] = [];
  for (let due = start; due < until; due += PING_EVERY_MS) {
    const early = due - performance.now();
    if (early > 0) await new Promise((resolve) => setTimeout(resolve, early));
    waits.push(fetchText(url).then(() => performance.now() - due));
  }
  return Promise.all(waits);
}

/** GET on a connection of its own (the server hands a /digest connection away, so none is reused). */
async function fetchText(url: string): Promise<string> {
  const [response] = (await once(get(url, { agent: false }), 'response')) as [import('node:http').IncomingMessage];
  response.setEncoding('utf8');
  let body = '';
  for await (const chunk of response) body += chunk as string;
  return body;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

/** "38 /digest answered (25/s); /ping waited 1 ms median, 4 ms p99, 6 ms at most". */
export function describe({ digests, pings, ms }: RunFigures): string {
  const rate = digests.length / (ms / 1000);
  const wait = (p: number): string => `${percentile(pings, p).toFixed(p === 0.5 ? 1 : 0)} ms`;
  return `${String(digests.length).padStart(3)} /digest answered (${rate.toFixed(0)}/s); /ping waited ${wait(0.5)} median, ${wait(0.99)} p99, ${Math.max(...pings).toFixed(0)} ms at most`;
}

if (isMain(import.meta.url)) await reactor();
