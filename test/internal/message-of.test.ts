import assert from 'node:assert/strict';
import { test } from 'node:test';
import { messageOf, stackOf } from '../../src/internal/message-of.js';

test('messageOf never throws, whatever was thrown', () => {
  assert.equal(messageOf(new TypeError('x')), 'x');
  assert.equal(messageOf(42), '42');
  assert.equal(messageOf({ toString: () => { throw new Error('no'); } }), '[object Object]');
});

test('stackOf gives an error\'s stack, or its message without one, and never throws either', () => {
  const error = new RangeError('x');
  assert.equal(stackOf(error), error.stack);
  const bare = new Error('no stack');
  delete bare.stack;
  assert.equal(stackOf(bare), 'no stack');
  assert.equal(stackOf(42), '42');
  assert.equal(stackOf({ toString: () => { throw new Error('no'); } }), '[object Object]');
});
