import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

// aiox's declaration files are compiled by its users against whatever @types/node they have installed, and
// `npm install @types/node` gives the newest. A name that one major of @types/node drops breaks every user
// who does not set skipLibCheck: @types/node 26 removed `TransferListItem` (worker_threads) and
// `InspectOptionsStylized` (util), and aiox's types named both. So the declarations may name only the Node
// types below, each checked by hand to exist in every @types/node major from 20 (what `engines` admits) to
// 26. Naming a new one means checking it there first, then adding it here.
// EventEmitter, generic over its events (`EventEmitter<PoolEvents>`, with `EventMap`'s constraint), was checked in
// 20.19, 22.20, 24.19 and 26.6.
const STABLE: Readonly<Record<string, readonly string[]>> = {
  'node:dgram': ['Socket'],
  'node:events': ['EventEmitter'],
  'node:net': ['Server', 'Socket'],
  'node:perf_hooks': ['RecordableHistogram'],
  'node:util': ['inspect', 'InspectOptions'],
  'node:worker_threads': ['MessagePort', 'ResourceLimits', 'Worker'],
  NodeJS: ['ProcessEnv', 'Signals'],
};

const DIST = fileURLToPath(new URL('../../../dist/', import.meta.url));

function declarations(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? declarations(join(dir, entry.name)) : entry.name.endsWith('.d.ts') ? [join(dir, entry.name)] : [],
  );
}

test("aiox's declaration files name only Node types that every @types/node from 20 to 26 has", () => {
  const files = declarations(DIST);
  assert.ok(files.length > 20, `found ${files.length} declaration files in ${DIST}`);
  const unknown: string[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const used: [string, string][] = [];
    for (const [, names, module] of text.matchAll(/^import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'(node:[^']+)'/gm)) {
      for (const name of names!.split(',')) {
        const imported = name.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]!;
        if (imported !== '') used.push([module!, imported]);
      }
    }
    for (const [, module, name] of text.matchAll(/import\(["'](node:[^"']+)["']\)\.(\w+)/g)) used.push([module!, name!]);
    for (const [, name] of text.matchAll(/\bNodeJS\.(\w+)/g)) used.push(['NodeJS', name!]);
    for (const [module, name] of used) {
      if (!STABLE[module]?.includes(name)) unknown.push(`${file.slice(DIST.length)}: ${name} from ${module}`);
    }
  }
  assert.deepEqual(unknown, []);
});
