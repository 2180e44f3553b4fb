import assert from 'node:assert/strict';
import { test } from 'node:test';
import { messageOf } from '../../src/internal/message-of.js';

test('messageOf never throws, whatever was thrown', () => {
  assert.equal(messageOf(new TypeError('x')), 'x');
  assert.equal(messageOf(42), '42');
  assert.equal(messageOf({ toString: () => { throw new Error('no'); } }), '[object Object]');
});
