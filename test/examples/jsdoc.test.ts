import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';
import ts from 'typescript';

// Every ```ts block inside an @example of the JSDoc in src/ must type-check against the built package.
// The blocks are only compiled, never run: many start workers or wait. Each @example gets a directory of
// its own; a block whose first line is `// file: name.ts` is a module that the other blocks of the same
// @example import (as './name.js'), and every other block is a program.
const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SRC = `${ROOT}src/`;
// Inside the package, so that `import ... from 'aiox'` resolves to this package by its own name.
const DIR = `${ROOT}build/jsdoc/`;

interface Block {
  /** Path of the written file, relative to DIR. */
  file: string;
  /** The source file and the 1-based line of the block's first line of code. */
  source: string;
  line: number;
  code: string;
}

interface Example {
  source: string;
  /** The line of the `@example` tag. */
  line: number;
  blocks: Block[];
}

/** The @example sections of the JSDoc in one file of src/, with their ```ts blocks. */
function examplesOf(path: string): Example[] {
  const text = readFileSync(SRC + path, 'utf8');
  const source = `src/${path}`;
  const base = path.replace(/\.ts$/, '');
  const examples: Example[] = [];
  for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const first = text.slice(0, comment.index).split('\n').length;
    // Without the comment's ` * ` margin; the lines of code keep their own indentation.
    const lines = comment[0].split('\n').map((l) => l.replace(/^\s*\/?\*+ ?/, ''));
    let example: Example | undefined;
    let fence: { line: number; code: string[] } | undefined;
    let programs = 0;
    for (const [i, line] of lines.entries()) {
      if (example !== undefined && fence !== undefined) {
        if (line !== '```') {
          fence.code.push(line);
          continue;
        }
        const module = /^\/\/ file: (\S+\.ts)$/.exec(fence.code[0] ?? '')?.[1];
        const name = module ?? (programs++ === 0 ? 'example.ts' : `example-${programs}.ts`);
        example.blocks.push({ file: `${base}/L${example.line}/${name}`, source, line: fence.line, code: fence.code.join('\n') });
        fence = undefined;
      } else if (/^@\w/.test(line)) {
        example = line.startsWith('@example') ? { source, line: first + i, blocks: [] } : undefined;
        if (example !== undefined) examples.push(example);
        programs = 0;
      } else if (example !== undefined && line === '```ts') {
        fence = { line: first + i + 1, code: [] };
      }
    }
  }
  return examples;
}

const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).sort();
const examples = files.flatMap(examplesOf);
const blocks = examples.flatMap((e) => e.blocks);

rmSync(DIR, { recursive: true, force: true });
for (const { file, code } of blocks) {
  mkdirSync(dirname(DIR + file), { recursive: true });
  writeFileSync(DIR + file, `${code}\n`);
}
writeFileSync(
  `${DIR}tsconfig.json`,
  JSON.stringify({
    extends: '../../tsconfig.json',
    compilerOptions: { rootDir: '.', noEmit: true, moduleDetection: 'force' },
    include: ['**/*.ts'],
  }),
);

test('the JSDoc has examples to check', () => {
  assert.ok(examples.length >= 150, `found ${examples.length} examples`);
  const empty = examples.filter((e) => e.blocks.length === 0).map((e) => `${e.source}:${e.line}`);
  assert.deepEqual(empty, [], 'every @example holds a ```ts block');
});

test('every export of src/index.ts has an @example', () => {
  // Only the JSDoc is read, so neither the standard library nor @types are needed.
  const options = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noLib: true, types: [] };
  const program = ts.createProgram([`${SRC}index.ts`], options);
  const checker = program.getTypeChecker();
  const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(`${SRC}index.ts`)!)!);
  assert.ok(exports.length > 0);
  const missing = exports
    .filter((symbol) => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      return !(target.declarations ?? []).some((d) => ts.getJSDocTags(d).some((tag) => tag.tagName.text === 'example'));
    })
    .map((symbol) => symbol.name);
  assert.deepEqual(missing, []);
});

test('the JSDoc examples type-check', async () => {
  const tsc = `${ROOT}node_modules/typescript/bin/tsc`;
  const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json', '--pretty', 'false'], { cwd: DIR, timeout: 300_000 }).catch(
    (error: { stdout?: string; message: string }) => error,
  );
  if ('message' in result) {
    // Points each error at the line of src/ it comes from.
    const where = new Map(blocks.map((b) => [b.file, b]));
    const report = (result.stdout ?? result.message).replace(/^(\S+\.ts)\((\d+),(\d+)\)/gm, (all, file: string, line: string, column: string) => {
      const block = where.get(file);
      return block === undefined ? all : `${block.source}:${block.line + Number(line) - 1}:${column} (build/jsdoc/${file})`;
    });
    assert.fail(`the examples in the JSDoc do not compile:\n${report}`);
  }
});
