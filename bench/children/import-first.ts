// Runs in a fresh process: imports one pool library, starts a pool of one worker, runs one tiny task and
// prints, as JSON, the milliseconds from the process's start (performance.now()'s origin) to the import's
// end and to the first result. What a short-lived program (a CLI, a serverless handler) pays before its
// first answer. `--aiox` names the aiox build to import (default: the package itself, as users import it).
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { pool: { type: 'string' }, kind: { type: 'string' }, aiox: { type: 'string', default: 'aiox' }, 'esm-task': { type: 'boolean', default: false } },
});
const thread = values.kind === 'thread';
// aiox's task module: work.cjs itself, which a worker requires, or (--esm-task) an ES module of the same
// functions, which it imports.
const WORK = new URL(values['esm-task'] ? '../../../bench/workers/work-esm.mjs' : '../../../bench/workers/work.cjs', import.meta.url);
const PEER_WORKER = new URL('../../../bench/workers/piscina-tinypool.mjs', import.meta.url).href;

let imported = 0;
let result: unknown;
if (values.pool === 'aiox') {
  const aiox = (await import(values.aiox!)) as typeof import('aiox');
  imported = performance.now();
  const pool = thread ? new aiox.ThreadPoolExecutor({ maxWorkers: 1 }) : new aiox.ProcessPoolExecutor({ maxWorkers: 1 });
  result = await pool.submit(aiox.taskRef<(a: number, b: number) => number>(WORK, 'add'), 1, 2);
  print();
  await pool.shutdown();
} else if (values.pool === 'piscina') {
  const { Piscina } = await import('piscina');
  imported = performance.now();
  const pool = new Piscina({ filename: PEER_WORKER, minThreads: 1, maxThreads: 1 });
  result = await pool.run({ a: 1, b: 2 }, { name: 'add' });
  print();
  await pool.destroy();
} else if (values.pool === 'tinypool') {
  const { default: Tinypool } = await import('tinypool');
  imported = performance.now();
  const runtime = thread ? 'worker_threads' : 'child_process';
  const pool = new Tinypool({ filename: PEER_WORKER, minThreads: 1, maxThreads: 1, runtime });
  result = await pool.run({ a: 1, b: 2 }, { name: 'add' });
  print();
  await pool.destroy();
} else {
  throw new Error(`unknown --pool ${values.pool}`);
}

function print(): void {
  const first = performance.now();
  if (result !== 3) throw new Error(`the first result is ${String(result)}, not 3`);
  console.log(JSON.stringify({ imported, first }));
}
