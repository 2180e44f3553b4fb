import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { addDetail, figure, type BenchContext, type Scenario } from '../lib/context.js';
import { AIOX_PROCESS, AIOX_THREAD, PROCESS_PEERS, THREAD_PEERS, withContender, type ContenderFactory } from '../lib/contenders.js';
import { fromRoot } from '../lib/paths.js';
import { median, settle } from '../lib/stats.js';

const run = promisify(execFile);
const CHILD = fileURLToPath(fromRoot('build/bench/children/import-first.js'));

/** Milliseconds from `new Pool()` to the first result, a fresh pool each round; median. */
async function coldStart(ctx: BenchContext, factory: ContenderFactory): Promise<number | undefined> {
  const samples: number[] = [];
  for (let r = 0; r < ctx.rounds; r++) {
    let start = 0;
    const ms = await withContender(
      { ...factory, create: (workers) => ((start = performance.now()), factory.create(workers)) },
      ctx.workers,
      async (contender) => {
        await contender.add(1, 2);
        return performance.now() - start;
      },
      (message) => ctx.notes.push(`s8: ${message}`),
    );
    if (ms === undefined) return undefined;
    samples.push(ms);
    await settle();
  }
  const value = median(samples);
  addDetail(ctx, { scenario: 's8', contender: factory.name, metric: 'new pool to first result', unit: 'ms', median: value, samples });
  return value;
}

export const s8ColdStart: Scenario = {
  id: 's8',
  title: 'cold start: new pool to first result; import plus first result in a fresh process',
  async run(ctx) {
    const results = new Map<string, number>();
    // poolifier is left out here: created and destroyed back to back, its pools intermittently spun the main
    // thread forever on Node 20 (seen with FixedThreadPool), which no timeout can interrupt.
    const peers = [...THREAD_PEERS, ...PROCESS_PEERS].filter((f) => !f.name.startsWith('poolifier'));
    ctx.notes.push('s8: poolifier left out of the cold-start scenario (it intermittently hung when created and destroyed back to back)');
    for (const factory of [AIOX_THREAD, AIOX_PROCESS, ...peers]) {
      const value = await coldStart(ctx, factory);
      if (value !== undefined) results.set(factory.name, value);
    }
    const fresh = await importPlusFirstResult(ctx);
    ctx.figures.push(
      figure({
        id: '8a',
        title: 'cold start, thread pool: new pool to first result',
        unit: 'ms',
        aiox: results.get(AIOX_THREAD.name) ?? null,
        reference: ref(results, 'piscina'),
        target: null,
      }),
      figure({
        id: '8b',
        title: 'cold start, process pool: new pool to first result',
        unit: 'ms',
        aiox: results.get(AIOX_PROCESS.name) ?? null,
        reference: ref(results, 'workerpool (process)'),
        target: null,
      }),
      figure({
        id: '8c',
        title: 'import plus first result, thread pool: fresh process',
        unit: 'ms',
        aiox: fresh.get(AIOX_THREAD.name) ?? null,
        reference: ref(fresh, 'tinypool'),
        target: { op: '<=', value: 1, text: '<= 1x tinypool' },
      }),
      figure({
        id: '8d',
        title: 'import plus first result, process pool: fresh process',
        unit: 'ms',
        aiox: fresh.get(AIOX_PROCESS.name) ?? null,
        reference: ref(fresh, 'tinypool (process)'),
        target: { op: '<=', value: 1, text: '<= 1x tinypool (process)' },
      }),
    );
  },
};

function ref(results: ReadonlyMap<string, number>, name: string): { name: string; value: number } | null {
  const value = results.get(name);
  return value === undefined ? null : { name, value };
}

/** One contender of the fresh-process measurement: how bench/children/import-first.ts is started for it. */
interface FreshContender {
  readonly name: string;
  readonly args: readonly string[];
}

function freshContenders(): FreshContender[] {
  const contenders: FreshContender[] = [
    { name: AIOX_THREAD.name, args: ['--pool', 'aiox', '--kind', 'thread'] },
    { name: AIOX_PROCESS.name, args: ['--pool', 'aiox', '--kind', 'process'] },
    { name: 'piscina', args: ['--pool', 'piscina', '--kind', 'thread'] },
    { name: 'tinypool', args: ['--pool', 'tinypool', '--kind', 'thread'] },
    { name: 'tinypool (process)', args: ['--pool', 'tinypool', '--kind', 'process'] },
    // Reported, in no figure: aiox with its task module in an ES module (the figures' aiox requires work.cjs;
    // the peers import piscina-tinypool.mjs, which imports work.cjs).
    { name: `${AIOX_THREAD.name}, .mjs task module`, args: ['--pool', 'aiox', '--kind', 'thread', '--esm-task'] },
    { name: `${AIOX_PROCESS.name}, .mjs task module`, args: ['--pool', 'aiox', '--kind', 'process', '--esm-task'] },
  ];
  // Another build of aiox to compare with in the same run (a file URL or path of its index.js): reported,
  // not part of any figure.
  const baseline = process.env.AIOX_BENCH_BASELINE;
  if (baseline !== undefined && baseline !== '') {
    for (const kind of ['thread', 'process']) {
      contenders.push({ name: `aiox baseline (${kind})`, args: ['--pool', 'aiox', '--kind', kind, '--aiox', baseline] });
    }
  }
  return contenders;
}

/**
 * Milliseconds from a fresh Node process's start to its first result (import, new pool of one worker, one
 * tiny task), median of the rounds, per contender. The contenders take turns within each round, so that a
 * change in the machine's load reaches them alike. Every child runs without NODE_EXTRA_CA_CERTS: it costs
 * each Node start tens of milliseconds where it is set, and tinypool's child processes do not inherit the
 * environment while aiox's do, so it is unset for all.
 */
async function importPlusFirstResult(ctx: BenchContext): Promise<Map<string, number>> {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const contenders = freshContenders();
  const samples = new Map(contenders.map((c) => [c.name, { imported: [] as number[], first: [] as number[] }]));
  const failed = new Set<string>();
  for (let r = 0; r < Math.max(ctx.rounds, 5); r++) {
    for (const contender of contenders) {
      if (failed.has(contender.name)) continue;
      try {
        const { stdout } = await run(process.execPath, [CHILD, ...contender.args], { env, timeout: 60_000, killSignal: 'SIGKILL' });
        const { imported, first } = JSON.parse(stdout) as { imported: number; first: number };
        samples.get(contender.name)!.imported.push(imported);
        samples.get(contender.name)!.first.push(first);
      } catch (error) {
        failed.add(contender.name);
        ctx.notes.push(`s8: ${contender.name} failed in a fresh process: ${(error as Error).message.split('\n')[0]}`);
      }
    }
  }
  const results = new Map<string, number>();
  for (const { name } of contenders) {
    const { imported, first } = samples.get(name)!;
    if (failed.has(name)) continue;
    addDetail(ctx, { scenario: 's8', contender: name, metric: 'process start to import', unit: 'ms', median: median(imported), samples: imported });
    addDetail(ctx, { scenario: 's8', contender: name, metric: 'start to first result', unit: 'ms', median: median(first), samples: first });
    results.set(name, median(first));
  }
  return results;
}
