import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, test } from 'node:test';

// esbuild comes with tsx (a devDependency); it stands for the bundlers users have.
type Esbuild = { build(options: Record<string, unknown>): Promise<unknown> };
const esbuild = (await import('esbuild' as string)) as Esbuild;

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const OPTIONS = { timeout: 60_000, killSignal: 'SIGKILL' as const };
const PROGRAM = `
import { ProcessPoolExecutor, ThreadPoolExecutor, runSync } from 'aiox';
for (const make of [() => new ThreadPoolExecutor({ maxWorkers: 1 }), () => new ProcessPoolExecutor({ maxWorkers: 1 })]) {
  try {
    const pool = make();
    console.log(await pool.submit((n) => n * 2, 21));
    await pool.shutdown();
  } catch (error) {
    console.log(error.code, /must stay external/.test(error.message));
  }
}
try {
  console.log(runSync((n) => n + 1, 1));
} catch (error) {
  console.log(error.code, /must stay external/.test(error.message));
}
`;

const scratch = mkdtempSync(join(tmpdir(), 'aiox-bundle-'));
// The bundles that must resolve 'aiox' as an installed dependency live beside the package, under build/.
const besideThePackage = [join(ROOT, 'build', 'bundle'), join(ROOT, 'build', 'bundle-split')];
after(() => {
  for (const dir of [scratch, ...besideThePackage]) rmSync(dir, { recursive: true, force: true });
});

async function bundle(outfile: string, external: string[]): Promise<void> {
  const entry = join(ROOT, 'build', `bundle-entry-${external.length}.mjs`);
  writeFileSync(entry, PROGRAM);
  try {
    // Bundled from inside this package, so that 'aiox' resolves to it by its own name.
    await esbuild.build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile, external, logLevel: 'silent' });
  } finally {
    rmSync(entry, { force: true });
  }
}

test('aiox bundled into an application fails at once with an error that says to keep it external', async () => {
  const outfile = join(scratch, 'app', 'main.mjs');
  mkdirSync(join(scratch, 'app'));
  await bundle(outfile, []);
  const { stdout } = await run(process.execPath, [outfile], OPTIONS);
  assert.deepEqual(stdout.trim().split('\n'), Array(3).fill('ERR_AIOX_WORKER_ENTRY_MISSING true'));
});

test('an application bundled with aiox external runs tasks in threads, processes and runSync', async () => {
  // Beside the package, where node_modules resolution finds aiox, as an installed dependency would be found.
  const outfile = join(besideThePackage[0]!, 'main.mjs');
  await bundle(outfile, ['aiox']);
  const { stdout } = await run(process.execPath, [outfile], OPTIONS);
  assert.deepEqual(stdout.trim().split('\n'), ['42', '42', '2']);
});

// The README's esbuild command, as a reader copies it: `esbuild main.ts tasks.ts --bundle ... --outdir=out`.
function readmeEsbuildOptions(dir: string): Record<string, unknown> {
  const line = /^esbuild (.*)$/m.exec(readFileSync(join(ROOT, 'README.md'), 'utf8'))?.[1];
  assert.ok(line !== undefined, 'the README shows no esbuild command');
  const options: Record<string, unknown> & { entryPoints: string[]; external: string[] } = { entryPoints: [], external: [], logLevel: 'silent' };
  for (const word of line.split(/\s+/)) {
    const [, external] = /^--external:(.+)$/.exec(word) ?? [];
    const [, flag, value] = /^--([a-z-]+)(?:=(.+))?$/.exec(word) ?? [];
    if (external !== undefined) options.external.push(external);
    else if (flag === 'outdir') options.outdir = join(dir, value!);
    else if (flag !== undefined) options[flag] = value ?? true;
    else options.entryPoints.push(join(dir, word));
  }
  return options;
}

test('an application bundled as the README says, with a task module as an entry of its own, runs that task', async () => {
  const src = besideThePackage[1]!;
  mkdirSync(src, { recursive: true });
  writeFileSync(
    join(src, 'tasks.ts'),
    "import { defineTask } from 'aiox';\nexport const greet = defineTask(import.meta.url, function greet(who: string): string { return `hello ${who}`; });\n",
  );
  // Written as the README's quick start is, with `await using`, which Node 20 and 22 only run once lowered.
  writeFileSync(
    join(src, 'main.ts'),
    [
      "import { ProcessPoolExecutor, ThreadPoolExecutor } from 'aiox';",
      "import { greet } from './tasks.js';",
      'await using threads = new ThreadPoolExecutor({ maxWorkers: 1 });',
      'await using processes = new ProcessPoolExecutor({ maxWorkers: 1 });',
      "for (const pool of [threads, processes]) console.log(await pool.submit(greet, pool.constructor.name));",
    ].join('\n'),
  );
  const options = readmeEsbuildOptions(src);
  await esbuild.build(options);
  const { stdout } = await run(process.execPath, [join(options.outdir as string, 'main.js')], OPTIONS);
  assert.deepEqual(stdout.trim().split('\n'), ['hello ThreadPoolExecutor', 'hello ProcessPoolExecutor']);
});
