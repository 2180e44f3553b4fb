import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLAIM_RING, ClaimBoard, claim, watch } from '../../src/wire/claims.js';

// The engine's ClaimBoard and the worker's claim() over one ring, both on this thread: each swap is atomic,
// so which side wins does not depend on where the sides run.
function ring(): { board: ClaimBoard; cells: Int32Array } {
  const board = new ClaimBoard();
  return { board, cells: new Int32Array(board.buffer) };
}

test('a task sent is claimed once by the worker, and then cannot be revoked', () => {
  const { board, cells } = ring();
  board.markSent(0);
  assert.equal(board.claimed(0), false);
  assert.equal(claim(cells, 0), true);
  assert.equal(board.claimed(0), true);
  assert.equal(claim(cells, 0), false, 'a second claim of the same task');
  assert.equal(board.revoke(0), false);
  assert.equal(board.claimed(0), true);
});

test('a task revoked before its claim is not run: the worker\'s claim fails', () => {
  const { board, cells } = ring();
  board.markSent(3);
  assert.equal(board.revoke(3), true);
  assert.equal(board.revoke(3), false, 'revoked twice');
  assert.equal(claim(cells, 3), false);
  assert.equal(board.claimed(3), false);
});

test('a task not marked sent can be neither claimed nor revoked', () => {
  const { board, cells } = ring();
  assert.equal(claim(cells, 1), false);
  assert.equal(board.revoke(1), false);
});

test('sequence numbers wrap around the ring: a cell is reused once marked sent again', () => {
  const { board, cells } = ring();
  board.markSent(1);
  assert.equal(claim(cells, 1), true);
  // Task CLAIM_RING + 1 takes the same cell; the engine never has more than CLAIM_RING unanswered.
  board.markSent(CLAIM_RING + 1);
  assert.equal(board.claimed(1), false, 'the old claim is gone with the new send');
  assert.equal(board.revoke(CLAIM_RING + 1), true);
  assert.equal(claim(cells, CLAIM_RING + 1), false);
});

test('neighbouring tasks are independent', () => {
  const { board, cells } = ring();
  for (let seq = 0; seq < 4; seq++) board.markSent(seq);
  assert.equal(claim(cells, 0), true);
  assert.equal(board.revoke(2), true);
  assert.deepEqual([0, 1, 2, 3].map((seq) => board.claimed(seq)), [true, false, false, false]);
  assert.equal(claim(cells, 1), true);
  assert.equal(claim(cells, 2), false);
  assert.equal(board.revoke(3), true);
});

test('a claimed task that reads its signal is watched: still claimed, still not revocable; an unclaimed one cannot be', () => {
  const { board, cells } = ring();
  board.markSent(5);
  watch(cells, 5);
  assert.equal(board.watched(5), false, 'not claimed yet: reading a signal does not claim it');
  assert.equal(claim(cells, 5), true, 'and it can still be claimed');
  assert.equal(board.watched(5), false, 'claimed, its signal not read yet');
  watch(cells, 5);
  assert.equal(board.watched(5), true);
  assert.equal(board.claimed(5), true);
  assert.equal(board.revoke(5), false);
  assert.equal(claim(cells, 5), false, 'a watched task is not claimed twice');
  board.markSent(6);
  assert.equal(board.revoke(6), true);
  watch(cells, 6);
  assert.equal(board.watched(6), false, 'a revoked task never becomes watched');
});
