import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOW_TO_INSTALL, REDIS_SERVER, startRedis } from '../fixtures/redis.js';

// The one line a developer without Redis sees: the other files of test/bullmq/ define no test then. CI
// (.ci/run) sets AIOX_REQUIRE_REDIS=1, and a missing server fails there.
const required = process.env['AIOX_REQUIRE_REDIS'] === '1';

test('a private redis-server starts on a free port and stops', { skip: REDIS_SERVER === undefined && !required ? HOW_TO_INSTALL : false }, async () => {
  assert.ok(REDIS_SERVER !== undefined, `AIOX_REQUIRE_REDIS=1 and ${HOW_TO_INSTALL}`);
  const [a, b] = await Promise.all([startRedis(), startRedis({ password: 's3cret' })]);
  try {
    assert.notEqual(a.port, b.port);
    assert.match(b.url, /^redis:\/\/:s3cret@127\.0\.0\.1:\d+$/);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});
