import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { addDetail, type BenchContext } from './context.js';
import { fromRoot } from './paths.js';
import { median } from './stats.js';

const run = promisify(execFile);

export interface PythonRates {
  readonly thread: number;
  readonly process: number;
}

/**
 * Runs bench/python/tiny_tasks.py and records Python's ThreadPoolExecutor and ProcessPoolExecutor rates, or
 * returns undefined (with a note) when python3 is missing or fails.
 */
export async function pythonRates(ctx: BenchContext): Promise<PythonRates | undefined> {
  const cached = ctx.shared.get('python') as PythonRates | undefined;
  if (cached !== undefined) return cached;
  const script = fileURLToPath(fromRoot('bench/python/tiny_tasks.py'));
  const args = [script, '--tasks', String(ctx.sizes.pythonTasks), '--workers', String(ctx.workers), '--rounds', String(ctx.rounds)];
  let stdout: string;
  try {
    ({ stdout } = await run('python3', args, { timeout: 300_000 }));
  } catch (error) {
    ctx.notes.push(`python3 reference skipped: ${error instanceof Error ? error.message.split('\n')[0]! : String(error)}`);
    return undefined;
  }
  const parsed = JSON.parse(stdout) as { thread: number[]; process: number[] };
  const rates = { thread: median(parsed.thread), process: median(parsed.process) };
  const unit = 'tasks/s';
  addDetail(ctx, { scenario: 'python', contender: 'Python ThreadPoolExecutor', metric: 'burst', unit, median: rates.thread, samples: parsed.thread });
  addDetail(ctx, { scenario: 'python', contender: 'Python ProcessPoolExecutor', metric: 'burst', unit, median: rates.process, samples: parsed.process });
  ctx.shared.set('python', rates);
  return rates;
}

export interface PythonQueueRates {
  /** multiprocessing.Queue, items per second. */
  readonly queue: number;
  /** multiprocessing.Manager().Queue(), items per second. */
  readonly manager: number;
}

/**
 * Runs bench/python/queue_items.py (small items from a producer process to a consumer process) and records
 * the rates of multiprocessing.Queue and of a Manager's queue, or returns undefined (with a note) when
 * python3 is missing or fails.
 */
export async function pythonQueueRates(ctx: BenchContext): Promise<PythonQueueRates | undefined> {
  const script = fileURLToPath(fromRoot('bench/python/queue_items.py'));
  const { queueItems, managerQueueItems } = ctx.sizes;
  const args = [script, '--items', String(queueItems), '--manager-items', String(managerQueueItems), '--rounds', String(ctx.rounds)];
  let stdout: string;
  try {
    ({ stdout } = await run('python3', args, { timeout: 900_000 }));
  } catch (error) {
    ctx.notes.push(`python3 queue reference skipped: ${error instanceof Error ? error.message.split('\n')[0]! : String(error)}`);
    return undefined;
  }
  const parsed = JSON.parse(stdout) as { queue: number[]; manager: number[] };
  const rates = { queue: median(parsed.queue), manager: median(parsed.manager) };
  const unit = 'items/s';
  addDetail(ctx, { scenario: 'queue', contender: 'Python multiprocessing.Queue', metric: `${queueItems} items`, unit, median: rates.queue, samples: parsed.queue });
  addDetail(ctx, { scenario: 'queue', contender: 'Python Manager().Queue()', metric: `${managerQueueItems} items`, unit, median: rates.manager, samples: parsed.manager });
  return rates;
}
