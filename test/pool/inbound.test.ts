import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InboundCheck } from '../../src/pool/inbound.js';
import { RESULT_ERROR, RESULT_OK, RESULT_SKIPPED, taskCode, type RunMessage } from '../../src/wire/protocol.js';
import { catchWarningsOfType } from '../fixtures/quiet.js';

const TOKEN = 12345;

/** A batch of `count` calls of function 0. */
function batch(count: number): RunMessage {
  const tasks = Array.from({ length: count }, (_, i) => [taskCode(0, false), [i]]).flat();
  return [0, 0, 0, ...tasks];
}

test('results that answer tasks sent pass and count them answered', (t) => {
  const check = new InboundCheck(TOKEN);
  const warnings = catchWarningsOfType(t, 'ChannelError');
  check.sent(batch(3));
  assert.equal(check.outstanding, 3);
  assert.equal(check.accepts([0.5, TOKEN, RESULT_OK, 1, RESULT_ERROR, { error: false, value: 'x' }]), true);
  assert.equal(check.outstanding, 1);
  assert.equal(check.accepts([0, TOKEN, RESULT_SKIPPED, undefined]), true);
  assert.equal(check.outstanding, 0);
  assert.equal(warnings.length, 0);
});

test('results that would shift the answers are dropped, before they count, with a ChannelError warning', (t) => {
  const check = new InboundCheck(TOKEN);
  const warnings = catchWarningsOfType(t, 'ChannelError');
  check.sent(batch(1));
  const bad: [unknown[], RegExp][] = [
    [[0, TOKEN + 1, RESULT_OK, 1], /does not carry the worker's token/],
    [[0, TOKEN, RESULT_OK, 1, RESULT_OK, 2], /answers 2 tasks, but 1 were waiting/],
    [[0, TOKEN, RESULT_OK], /status and value pairs/],
    [[-1, TOKEN, RESULT_OK, 1], /busy time is not a number >= 0/],
    [['0', TOKEN, RESULT_OK, 1], /busy time is not a number >= 0/],
    [[0, TOKEN, 7, 1], /a status is 7/],
  ];
  for (const [message] of bad) assert.equal(check.accepts(message), false, JSON.stringify(message));
  assert.equal(check.outstanding, 1);
  assert.equal(warnings.length, bad.length);
  bad.forEach(([, why], i) => assert.match(warnings[i]!.message, why));
  assert.equal(check.accepts([0, TOKEN, RESULT_OK, 1]), true, 'the runtime\'s own answer still matches its task');
});

test('control messages are checked for their token and shape, reading own properties only', (t) => {
  const check = new InboundCheck(TOKEN);
  const warnings = catchWarningsOfType(t, 'ChannelError');
  const error = { error: false, value: 'boom' };
  const uncaught = { type: 'uncaught', token: TOKEN, error, origin: 'uncaughtException', fatal: true, unstarted: 0 };
  assert.equal(check.accepts({ type: 'ready', token: TOKEN }), true);
  assert.equal(check.accepts({ type: 'init-failed', token: TOKEN, error }), true);
  assert.equal(check.accepts(uncaught), true);
  assert.equal(warnings.length, 0);
  const bad: unknown[] = [
    null,
    'ready',
    { type: 'ready', token: TOKEN + 1 },
    Object.assign(Object.create({ token: TOKEN }) as object, { type: 'ready' }),
    { type: 'init-failed', token: TOKEN },
    { ...uncaught, origin: 'elsewhere' },
    { ...uncaught, fatal: 'yes' },
    { ...uncaught, unstarted: -1 },
    { ...uncaught, unstarted: 1.5 },
    { type: 'hello', token: TOKEN },
  ];
  for (const message of bad) assert.equal(check.accepts(message), false, JSON.stringify(message));
  assert.equal(warnings.length, bad.length);
  for (const warning of warnings) assert.match(warning.message, /^a worker sent a message that is not aiox's, dropped: /);
});

test('reports of the right shape pass; malformed ones are dropped with a warning', (t) => {
  const check = new InboundCheck(TOKEN);
  const warnings = catchWarningsOfType(t, 'ChannelError');
  assert.equal(check.accepts({ type: 'report', token: TOKEN, seq: 0, kind: 'progress', value: 1 }), true);
  assert.equal(check.accepts({ type: 'report', token: TOKEN, seq: 3, kind: 'event', value: undefined, item: 2 }), true);
  const bad: [unknown, RegExp][] = [
    [{ type: 'report', token: TOKEN + 1, seq: 0, kind: 'event', value: 1 }, /a report that does not carry the worker's token/],
    [{ type: 'report', token: TOKEN, seq: -1, kind: 'event', value: 1 }, /seq is not an integer >= 0/],
    [{ type: 'report', token: TOKEN, seq: 0, kind: 'other', value: 1 }, /kind is neither progress nor event/],
    [{ type: 'report', token: TOKEN, seq: 0, kind: 'event' }, /without a value/],
    [{ type: 'report', token: TOKEN, seq: 0, kind: 'event', value: 1, item: 0.5 }, /item is not an integer >= 0/],
  ];
  for (const [message, why] of bad) {
    assert.equal(check.accepts(message), false, JSON.stringify(message));
    assert.match(warnings.at(-1)!.message, why);
  }
  assert.equal(check.outstanding, 0);
});
