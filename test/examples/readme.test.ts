import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';

// The README's TypeScript blocks must type-check and run. A block whose first line is `// file: name.ts`
// is a module other blocks import; every other block is a program, run under `node --import tsx`, and
// its `// → text` comments are the lines it must print, in that order.
const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
// Inside the package, so that `import ... from 'aiox'` resolves to this package by its own name.
const DIR = `${ROOT}build/readme/`;

const blocks = [...readFileSync(`${ROOT}README.md`, 'utf8').matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
const programs: { file: string; expected: string[] }[] = [];
rmSync(DIR, { recursive: true, force: true });
mkdirSync(DIR, { recursive: true });
for (const [i, code] of blocks.entries()) {
  const module = /^\/\/ file: (\S+)\n/.exec(code)?.[1];
  const file = module ?? `example-${i + 1}.ts`;
  writeFileSync(DIR + file, code);
  if (module === undefined) programs.push({ file, expected: [...code.matchAll(/\/\/ → (.*)$/gm)].map((m) => m[1]!) });
}
writeFileSync(
  `${DIR}tsconfig.json`,
  JSON.stringify({ extends: '../../tsconfig.json', compilerOptions: { rootDir: '.', noEmit: true }, include: ['*.ts'] }),
);

test('the README has programs to run', () => {
  assert.ok(programs.length >= 6, `found ${programs.length}`);
});

test('the README examples type-check', async () => {
  await run(process.execPath, [`${ROOT}node_modules/typescript/bin/tsc`, '-p', `${DIR}tsconfig.json`], { timeout: 120_000 });
});

for (const { file, expected } of programs) {
  test(`README ${file} runs and prints what its comments say`, async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', DIR + file], { cwd: ROOT, timeout: 60_000, killSignal: 'SIGKILL' });
    const lines = stdout.split('\n');
    let from = 0;
    for (const line of expected) {
      const at = lines.indexOf(line, from);
      assert.ok(at >= 0, `expected the line ${JSON.stringify(line)} (in order) in:\n${stdout}`);
      from = at + 1;
    }
  });
}
