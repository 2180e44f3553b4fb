#!/usr/bin/env node
// The `aiox` command. `aiox worker` runs a worker host (see runWorkerHost) until SIGTERM or SIGINT, which
// drain it: no new job is taken, running ones finish (or go back to the queue after --drain-timeout).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const USAGE = `usage: aiox worker --redis URL --tasks MODULE [--tasks MODULE...] [options]

  --redis URL             redis://[user:password@]host[:port][/db], or rediss:// for TLS
                          (the password may come from AIOX_REDIS_PASSWORD instead)
  --queue NAME            the queue to serve (default aiox)
  --prefix PREFIX         BullMQ's key prefix (default bull)
  --tasks MODULE          a task module this host may run (a path or URL; a folder ending in / allows
                          every module under it); repeat for more
  --remap FROM=TO         run a job's module under the submitters' folder FROM from the folder TO on
                          this host (URLs or paths ending in /; TO must be allowed by --tasks); repeat
  --processes             run tasks in child processes rather than worker threads
  --workers N             workers of the local pool (default: the machine's cores)
  --concurrency N         jobs taken at once (default 2 x workers)
  --drain-timeout MS      on SIGTERM, how long running jobs may finish before they go back (default 30000)
  --lock-duration MS      BullMQ's lockDuration: how soon a dead host's jobs go to another host
  --stalled-interval MS   BullMQ's stalledInterval`;

function fail(message: string): never {
  process.stderr.write(`aiox: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function integer(value: string | undefined, name: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) fail(`--${name} must be a whole number${min > 0 ? ` of at least ${min}` : ''}, received ${JSON.stringify(value)}`);
  return Number(value);
}

/** A module named on the command line: a URL as it is, a path from the current directory. */
function moduleUrl(given: string): string {
  if (/^[a-z][a-z0-9+.-]+:/i.test(given)) return given;
  const url = pathToFileURL(resolve(given)).href;
  return given.endsWith('/') && !url.endsWith('/') ? `${url}/` : url;
}

/** `--remap FROM=TO`: the submitters' folder URL, and the folder here (a path, relative ones resolved). */
function remapEntry(given: string): { from: string; to: string } {
  const at = given.indexOf('=');
  if (at <= 0 || at === given.length - 1) fail(`--remap must be FROM=TO, received ${JSON.stringify(given)}`);
  return { from: moduleUrl(given.slice(0, at)), to: moduleUrl(given.slice(at + 1)) };
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (command !== 'worker') fail(`unknown command ${JSON.stringify(command)}`);
  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        redis: { type: 'string' },
        queue: { type: 'string' },
        prefix: { type: 'string' },
        tasks: { type: 'string', multiple: true },
        remap: { type: 'string', multiple: true },
        processes: { type: 'boolean' },
        workers: { type: 'string' },
        concurrency: { type: 'string' },
        'drain-timeout': { type: 'string' },
        'lock-duration': { type: 'string' },
        'stalled-interval': { type: 'string' },
      },
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.redis === undefined) fail('--redis is required');
  if (values.tasks === undefined) fail('--tasks is required: a host runs only the modules it is given');
  // Loaded only now, so that --help works, and a missing peer dependency is said plainly.
  let bullmq: typeof import('./index.js');
  try {
    bullmq = await import('./index.js');
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    fail(`aiox worker needs the packages bullmq and ioredis beside aiox (npm install bullmq ioredis): ${(error as Error).message}`);
  }
  const { connectionFromUrl, runWorkerHost } = bullmq;
  let connection;
  try {
    connection = connectionFromUrl(values.redis);
  } catch (error) {
    fail((error as Error).message);
  }
  const password = process.env['AIOX_REDIS_PASSWORD'];
  if (password !== undefined && connection.password === undefined) connection.password = password;
  const lockDuration = integer(values['lock-duration'], 'lock-duration');
  const stalledInterval = integer(values['stalled-interval'], 'stalled-interval');
  const workers = integer(values.workers, 'workers', 1);
  const concurrency = integer(values.concurrency, 'concurrency', 1);
  const drainTimeout = integer(values['drain-timeout'], 'drain-timeout');
  const queue = values.queue ?? 'aiox';
  const host = await runWorkerHost({
    connection,
    queue,
    ...(values.prefix === undefined ? {} : { prefix: values.prefix }),
    tasks: values.tasks.map(moduleUrl),
    ...(values.remap === undefined ? {} : { remap: values.remap.map(remapEntry) }),
    pool: values.processes === true ? 'process' : 'thread',
    ...(workers === undefined ? {} : { maxWorkers: workers }),
    ...(concurrency === undefined ? {} : { concurrency }),
    ...(drainTimeout === undefined ? {} : { drainTimeout }),
    worker: {
      ...(lockDuration === undefined ? {} : { lockDuration }),
      ...(stalledInterval === undefined ? {} : { stalledInterval }),
    },
  }).catch((error: unknown) => {
    // An option the host refuses (a queue name with ':', say) is the command line's mistake: said with the
    // usage, as the others. Anything else (Redis unreachable) is not.
    if (error instanceof TypeError || error instanceof RangeError) fail(error.message);
    throw error;
  });
  const stop = (): void => {
    process.stdout.write('aiox worker: draining\n');
    void host.close().then(() => {
      process.stdout.write(`aiox worker: stopped (${JSON.stringify(host.stats())})\n`);
      process.exit(0);
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(`aiox worker: serving queue ${queue} (pid ${process.pid})\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`aiox: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
