// One server of the reactor scenario, in a process of its own: `--server aiox` answers /ping on its event
// loop and hands each /digest connection to a ProcessPoolExecutor; `--server cluster` is Node's cluster
// module, whose workers (round-robin, the primary accepting) serve both endpoints on their own loops. Prints
// the port once every worker is ready; ends when its stdin closes. `--aiox` names the aiox build to use
// (default: the package itself).
import cluster from 'node:cluster';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { route, serveHere, type serveDigest } from '../lib/reactor-work.js';

const { values } = parseArgs({ options: { server: { type: 'string' }, workers: { type: 'string', default: '2' }, aiox: { type: 'string', default: 'aiox' } } });
const workers = Number(values.workers);

if (cluster.isWorker) {
  createServer(serveHere).listen(0, '127.0.0.1');
} else if (values.server === 'cluster') {
  cluster.setupPrimary({ args: process.argv.slice(2) });
  const forked = Array.from({ length: workers }, () => cluster.fork());
  // Workers listening on port 0 share one port, which the primary opened.
  const [[address]] = (await Promise.all(forked.map((worker) => once(worker, 'listening')))) as [[AddressInfo]];
  process.stdout.write(`${address.port}\n`);
  await ended();
  for (const worker of forked) worker.kill();
} else if (values.server === 'aiox') {
  const aiox = (await import(values.aiox)) as typeof import('aiox');
  const serve = aiox.taskRef<typeof serveDigest>(new URL('../lib/reactor-work.js', import.meta.url), 'serveDigest');
  const pool = new aiox.ProcessPoolExecutor({ maxWorkers: workers });
  await Promise.all(Array.from({ length: workers }, () => pool.submit(() => process.pid)));
  const server = createServer((request, response) => {
    const rounds = route(request);
    if (rounds === undefined) return void response.end('pong');
    const { socket } = request;
    pool.submitWith(serve, [socket, rounds], { transfer: [socket] }).catch(() => socket.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
  await ended();
  server.close();
  await pool.shutdown();
} else {
  throw new Error(`unknown --server ${values.server}`);
}

async function ended(): Promise<void> {
  process.stdin.resume();
  await once(process.stdin, 'end');
}
