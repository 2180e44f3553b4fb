import assert from 'node:assert/strict';
import { Server, Socket } from 'node:net';
import { test } from 'node:test';
import { extractHandles } from '../../src/pool/handles.js';
import { taskCode, type HandleMessage, type RunMessage } from '../../src/wire/protocol.js';
import { HandleInbox } from '../../src/worker/handle-inbox.js';

// The two ends of passing handles to a process worker, without a process between them: extractHandles (the
// engine's side) takes each handle out of a batch, and HandleInbox (the worker's) puts what IPC delivered
// back in its place, holding batches in order until their handles have arrived.

function inbox(): { inbox: HandleInbox; delivered: RunMessage[] } {
  const delivered: RunMessage[] = [];
  return { inbox: new HandleInbox((run) => delivered.push(run)), delivered };
}

/** A net.Server that counts as open (listening) without opening anything. */
function listening(): Server {
  const server = new Server();
  Object.defineProperty(server, 'listening', { value: true });
  return server;
}

test('a handle is taken out of its batch, the caller\'s arguments left alone, and put back in the worker', () => {
  const server = listening();
  type Args = [{ options: { server: unknown; port: number } }, string];
  const args: Args = [{ options: { server, port: 1 } }, 'x'];
  const message: RunMessage = [0, 0, 0, taskCode(0, false), args];
  let ids = 7;
  const { run, handles } = extractHandles(message, [server], () => ids++);
  assert.deepEqual(handles, [[7, server]]);
  assert.deepEqual(run.handles, [[7, [4, 0, 'options', 'server']]]);
  assert.equal((run.run[4] as Args)[0].options.server, null);
  assert.equal(args[0].options.server, server, 'the caller\'s arguments are not changed');

  const { inbox: worker, delivered } = inbox();
  worker.receive({ type: 'handle', id: 7 } satisfies HandleMessage, 'the handle as IPC delivered it');
  worker.receive(run, undefined);
  assert.equal(delivered.length, 1);
  assert.equal((delivered[0]![4] as Args)[0].options.server, 'the handle as IPC delivered it');
});

test('a batch waits for a handle that comes after it, and the batches behind it wait too', () => {
  const socket = new Socket();
  const message: RunMessage = [4, 0, 0, taskCode(1, false), [socket]];
  const { run } = extractHandles(message, [socket], () => 0);
  const { inbox: worker, delivered } = inbox();
  const plain: RunMessage = [5, 0, 0, taskCode(1, false), [1]];
  worker.receive(run, undefined);
  worker.receive(plain, undefined);
  assert.deepEqual(delivered, []);
  worker.receive({ type: 'handle', id: 0 }, 'socket');
  assert.deepEqual(delivered, [[4, 0, 0, taskCode(1, false), ['socket']], plain]);
  socket.destroy();
});

test('a handle closed before it left arrives as nothing: its place stays null', () => {
  const { inbox: worker, delivered } = inbox();
  worker.receive({ type: 'handle', id: 3 }, undefined);
  worker.receive({ type: 'run', run: [0, 0, 0, taskCode(0, false), [null]], handles: [[3, [4, 0]]] }, undefined);
  assert.deepEqual(delivered, [[0, 0, 0, taskCode(0, false), [null]]]);
});

test('a handle that is closed, or not among the arguments, is refused before anything is sent', () => {
  const socket = new Socket();
  const message: RunMessage = [0, 0, 0, taskCode(0, false), [1]];
  assert.throws(() => extractHandles(message, [socket], () => 0), /transfer lists a net.Socket that is not among the task's arguments/);
  socket.destroy();
  assert.throws(() => extractHandles([0, 0, 0, taskCode(0, false), [socket]], [socket], () => 0), /transfer lists a net.Socket that is closed/);
  assert.throws(() => extractHandles([0, 0, 0, taskCode(0, false), [new Server()]], [new Server()], () => 0), /a net.Server that is closed/);
});

test('a handle given in several places, in one task or in several tasks of a batch, is sent once and put in each', () => {
  const server = listening();
  const message: RunMessage = [0, 0, 0, taskCode(0, false), [server, { again: server }], taskCode(0, false), [server]];
  const { run, handles } = extractHandles(message, [server], () => 5);
  assert.deepEqual(handles, [[5, server]]);
  assert.deepEqual(run.handles, [
    [5, [4, 0]],
    [5, [4, 1, 'again']],
    [5, [6, 0]],
  ]);
  const { inbox: worker, delivered } = inbox();
  worker.receive({ type: 'handle', id: 5 }, 'server');
  worker.receive(run, undefined);
  assert.deepEqual(delivered, [[0, 0, 0, taskCode(0, false), ['server', { again: 'server' }], taskCode(0, false), ['server']]]);
});
