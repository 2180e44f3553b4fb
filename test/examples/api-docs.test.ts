import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

// `npm run docs:api` builds the API reference from the JSDoc; here TypeDoc only checks it (no output):
// a broken {@link}, or a public signature naming a type the reference cannot show, is a warning, and a
// warning fails. The generated pages are not part of the test.
test('TypeDoc documents the public API without a warning', { timeout: 120_000 }, async () => {
  const typedoc = fileURLToPath(new URL('node_modules/typedoc/bin/typedoc', `file://${ROOT}`));
  const { stdout, stderr } = await run(process.execPath, [typedoc, '--emit', 'none', '--treatWarningsAsErrors'], { cwd: ROOT });
  assert.doesNotMatch(`${stdout}${stderr}`, /warning|error/i);
});
