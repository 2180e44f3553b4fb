import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, decodedBytes, encode } from '../../src/bullmq/payload.js';

// What crosses Redis: a value comes back as a structured clone of it would, whichever of the two forms
// (`~` + JSON, or v8 in base64) carried it. This file needs no Redis.

const sparse: unknown[] = [1];
sparse[2] = 3;
const tagged = Object.assign([1, 2], { extra: 'kept' });
const protoKey = JSON.parse('{"__proto__": 1, "a": 2}') as object;
const deep = Array.from({ length: 100 }, (_, n) => n);

test('a small JSON value travels as JSON, and comes back equal', () => {
  for (const value of [[1, 2], 'text\u{1F600}\uD800', 0, true, null, { a: [1, { b: 'c' }], n: -1.5 }, [[1], []]]) {
    const text = encode(value);
    assert.ok(text.startsWith('~'), `${JSON.stringify(value)} went as ${text}`);
    assert.deepEqual(decode(text), structuredClone(value));
  }
});

test('a value JSON would change travels through v8, and comes back as a structured clone', () => {
  const values: unknown[] = [
    [-0], [NaN], [Infinity], [undefined], sparse, tagged, protoKey, [new Date(0)], [new Map([[1, 2]])], [1n], deep,
    [new Uint8Array([1, 2])], Object.create(null) as object, [new Error('e')],
  ];
  for (const [n, value] of values.entries()) {
    const text = encode(value);
    assert.ok(!text.startsWith('~'), `value ${n} went as JSON`);
    assert.deepEqual(decode(text), structuredClone(value));
  }
  assert.ok(Object.is((decode(encode([-0])) as number[])[0], -0));
  assert.equal(Object.hasOwn(decode(encode(protoKey)) as object, '__proto__'), true);
});

test('decodedBytes counts the bytes of either form without decoding it', () => {
  assert.equal(decodedBytes(encode(['x'.repeat(100)])), 2 + 102);
  // A text beyond ASCII travels as UTF-8: 3 bytes for each of these characters, not 1.
  assert.equal(decodedBytes(encode(['€'.repeat(100)])), 2 + 2 + 300);
  const v8 = encode([1n]);
  // base64's padding aside.
  assert.ok(Math.abs(decodedBytes(v8) - Buffer.from(v8, 'base64').length) <= 2);
});

test('a garbled text throws, in either form', () => {
  assert.throws(() => decode('~{'), SyntaxError);
  assert.throws(() => decode('bm90IHY4'));
});
