import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { text } from 'node:stream/consumers';
import { test } from 'node:test';
import { BrokenProcessPool, ProcessPoolExecutor } from 'aiox';
import { Gates } from '../fixtures/gate.js';
import { add, echo, gated, handleSigterm, replyOnSocket, serveConnections, serveOnce, whoAmI } from '../fixtures/tasks.js';

test('a child killed from outside fails its task with the signal; the pool heals', async () => {
  const gates = new Gates('process', 1);
  await using pool = new ProcessPoolExecutor({ maxWorkers: 1 });
  try {
    const pid = Number((await pool.submit(whoAmI)).split(':')[0]);
    const future = pool.submit(gated, gates.handle(0), 'never');
    await gates.started(0);
    process.kill(pid, 'SIGKILL');
    await assert.rejects(future, (e: unknown) => e instanceof BrokenProcessPool && /SIGKILL/.test(e.message));
    assert.equal(await pool.submit(add, 2, 2), 4);
  } finally {
    gates.dispose();
  }
});

test('env and execArgv reach the child processes', async () => {
  await using pool = new ProcessPoolExecutor({
    maxWorkers: 1,
    env: { ...process.env, AIOX_PROBE: 'seen' },
    execArgv: ['--max-old-space-size=128'],
  });
  assert.equal(await pool.submit(() => process.env['AIOX_PROBE']), 'seen');
  assert.deepEqual(await pool.submit(() => process.execArgv), ['--max-old-space-size=128']);
});

test('process-only options are validated', () => {
  assert.throws(() => new ProcessPoolExecutor({ execArgv: '--inspect' as unknown as string[] }), /execArgv must be an array/);
});

test('a child that cannot start breaks the pool instead of being replaced forever', async () => {
  // A child that exits at once, without a word (a bad Node flag would do too, but prints to the test output).
  const pool = new ProcessPoolExecutor({ maxWorkers: 1, execArgv: ['--eval', 'process.exit(3)'] });
  await assert.rejects(pool.submit(add, 1, 1), (e: unknown) => e instanceof BrokenProcessPool && /before it was ready/.test(e.message));
  assert.equal(pool.state, 'broken');
  assert.throws(() => pool.submit(add, 1, 1), BrokenProcessPool);
  await pool.shutdown();
});

/** A loopback server whose accepted connections are handed out, paused, one per call of `next()`. */
async function acceptor(): Promise<{ server: Server; port: number; next(): Promise<Socket> }> {
  const accepted: Socket[] = [];
  const waiting: ((socket: Socket) => void)[] = [];
  const server = createServer({ pauseOnConnect: true }, (socket) => {
    const waiter = waiting.shift();
    if (waiter === undefined) accepted.push(socket);
    else waiter(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return { server, port, next: () => new Promise((resolve) => (accepted.length > 0 ? resolve(accepted.shift()!) : waiting.push(resolve))) };
}

test('transfer hands an accepted socket to a process task, which answers on it', async () => {
  await using pool = new ProcessPoolExecutor({ maxWorkers: 1 });
  const { server, port, next } = await acceptor();
  try {
    const client = createConnection({ port, host: '127.0.0.1' });
    const reply = text(client);
    const socket = await next();
    const pid = await pool.submitWith(replyOnSocket, [socket, 'hello'], { transfer: [socket] });
    assert.notEqual(pid, process.pid);
    assert.equal(await reply, `hello from ${pid}`);
  } finally {
    server.close();
  }
});

test('sockets nested in the arguments, several tasks at once, each reach their own task', async () => {
  await using pool = new ProcessPoolExecutor({ maxWorkers: 2 });
  const { server, port, next } = await acceptor();
  try {
    const replies: Promise<string>[] = [];
    const tasks: Promise<unknown>[] = [];
    for (let i = 0; i < 6; i++) {
      const client = createConnection({ port, host: '127.0.0.1' });
      replies.push(text(client));
      const socket = await next();
      // The handle sits inside an object inside the arguments; the caller's object is left as it was.
      const holder = { socket, label: `#${i}` };
      tasks.push(pool.submitWith((h: { socket: Socket; label: string }) => (h.socket.end(h.label), h.label), [holder], { transfer: [socket] }));
      assert.equal(holder.socket, socket);
    }
    assert.deepEqual(await Promise.all(tasks), ['#0', '#1', '#2', '#3', '#4', '#5']);
    assert.deepEqual(await Promise.all(replies), ['#0', '#1', '#2', '#3', '#4', '#5']);
    // Tasks without handles still run as usual around them.
    assert.equal(await pool.submit(add, 1, 2), 3);
  } finally {
    server.close();
  }
});

test('transfer hands a listening server to a process task, which accepts on it', async () => {
  const gates = new Gates('process', 1);
  await using pool = new ProcessPoolExecutor({ maxWorkers: 1 });
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const port = (server.address() as { port: number }).port;
    const served = pool.submitWith(serveOnce, [server, gates.handle(0)], { transfer: [server] });
    // Node shares a server with the child rather than moving it: once the child holds it, this side stops
    // accepting, and the child alone answers.
    await gates.started(0);
    server.close();
    const reply = await text(createConnection({ port, host: '127.0.0.1' }));
    const pid = await served;
    assert.equal(reply, `served by ${pid}`);
  } finally {
    server.close();
    gates.dispose();
  }
});

test('prefork: one listening server handed to tasks on every worker, each accepting on it', async () => {
  const workers = 2;
  const gates = new Gates('process', workers);
  await using pool = new ProcessPoolExecutor({ maxWorkers: workers });
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const port = (server.address() as { port: number }).port;
    const tasks = Array.from({ length: workers }, (_, i) => pool.submitWith(serveConnections, [server, gates.handle(i), 2], { transfer: [server] }));
    for (let i = 0; i < workers; i++) await gates.started(i);
    // Every worker holds the server: this side stops accepting, and the workers alone answer.
    server.close();
    const replies: string[] = [];
    for (let i = 0; i < 2 * workers; i++) replies.push(await text(createConnection({ port, host: '127.0.0.1' })));
    const pids = await Promise.all(tasks);
    assert.equal(new Set(pids).size, workers, 'each task ran on a worker of its own');
    assert.ok(!pids.includes(process.pid));
    assert.deepEqual(replies.sort(), pids.flatMap((pid) => [`served by ${pid}`, `served by ${pid}`]).sort());
  } finally {
    server.close();
    gates.dispose();
  }
});

test('the same server handed to many short tasks, and twice to one, reaches every place it is given', async () => {
  await using pool = new ProcessPoolExecutor({ maxWorkers: 2 });
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const listening = (first: Server | null): boolean => first?.listening === true;
  const both = (first: Server | null, holder: { again: Server | null }): boolean[] => [first?.listening === true, holder.again?.listening === true];
  try {
    // Timed as short, the later ones go to the workers several to a batch, each batch naming the server once.
    const short = await Promise.all(Array.from({ length: 40 }, () => pool.submitWith(listening, [server], { transfer: [server] })));
    assert.deepEqual(short, Array.from({ length: 40 }, () => true));
    assert.deepEqual(await pool.submitWith(both, [server, { again: server }], { transfer: [server] }), [true, true]);
  } finally {
    server.close();
  }
});

test('transfer hands a bound dgram socket to a process task, which answers a datagram on it', async () => {
  await using pool = new ProcessPoolExecutor({ maxWorkers: 1 });
  const { createSocket } = await import('node:dgram');
  const shared = createSocket('udp4');
  shared.bind(0, '127.0.0.1');
  await once(shared, 'listening');
  const client = createSocket('udp4');
  client.bind(0, '127.0.0.1');
  await once(client, 'listening');
  try {
    const port = shared.address().port;
    const task = pool.submitWith(
      async (socket: import('node:dgram').Socket, to: number) => {
        await new Promise((resolve) => socket.send(`pong from ${process.pid}`, to, '127.0.0.1', resolve));
        await new Promise<void>((resolve) => socket.close(() => resolve()));
        return process.pid;
      },
      [shared, client.address().port],
      { transfer: [shared] },
    );
    const [message, from] = (await once(client, 'message')) as [Buffer, { port: number }];
    const pid = await task;
    assert.equal(message.toString(), `pong from ${pid}`);
    assert.equal(from.port, port, 'sent from the socket handed over');
  } finally {
    client.close();
    shared.close();
  }
});

test('a process transfer list holds only sockets and servers; anything else is a TypeError at the call', async () => {
  await using pool = new ProcessPoolExecutor({ maxWorkers: 1 });
  const bad: ReadonlyArray<readonly [unknown, string]> = [
    [new ArrayBuffer(4), 'received an ArrayBuffer'],
    [5, 'received 5'],
    [{}, 'received an object'],
  ];
  for (const [item, received] of bad) {
    assert.throws(
      () => pool.submitWith(echo, [item], { transfer: [item] as never }),
      (e: unknown) => e instanceof TypeError && e.message === `transfer[0] must be a net.Socket, a net.Server or a dgram.Socket, ${received}`,
    );
  }
});

test('a socket listed in transfer but not among the arguments, or closed, fails that task only', async () => {
  await using pool = new ProcessPoolExecutor({ maxWorkers: 1 });
  const { server, port, next } = await acceptor();
  try {
    const client = createConnection({ port, host: '127.0.0.1' });
    const socket = await next();
    await assert.rejects(pool.submitWith(echo, ['no socket here'], { transfer: [socket] }), /a net\.Socket that is not among the task's arguments/);
    socket.destroy();
    client.destroy();
    await assert.rejects(pool.submitWith(echo, [socket], { transfer: [socket] }), /a net\.Socket that is closed/);
    assert.equal(await pool.submit(add, 2, 2), 4);
  } finally {
    server.close();
  }
});

test('arguments that cannot be cloned, sent with a handle or behind one, fail their task; the program does not crash', { timeout: 10_000 }, async () => {
  // Node holds back what follows a handle until the child acknowledges it, and only then serializes it: a
  // failure there would be an uncaught exception of this program, not a failed task.
  await using pool = new ProcessPoolExecutor({ maxWorkers: 1 });
  const { server, port, next } = await acceptor();
  const notCloneable = /the task's arguments could not be sent to the worker: .* could not be cloned/;
  const kind = (value: unknown): string => typeof value;
  try {
    const clients = [createConnection({ port, host: '127.0.0.1' }), createConnection({ port, host: '127.0.0.1' })];
    const first = await next();
    const second = await next();
    // The task's own arguments: the handle leaves first.
    await assert.rejects(pool.submitWith((socket: Socket, fn: () => number) => [socket, fn], [first, () => 1], { transfer: [first] }), notCloneable);
    // A short task (timed), so that the next two go to the child in one message, one of them behind the handle.
    for (let i = 0; i < 3; i++) assert.equal(await pool.submit(kind, i), 'number');
    const moved = pool.submitWith(kind, [second], { transfer: [second] });
    const unsendable = pool.submit(kind, () => 1);
    await assert.rejects(unsendable, notCloneable);
    assert.equal(await moved, 'object');
    assert.equal(await pool.submit(add, 2, 2), 4);
    for (const client of clients) client.destroy();
  } finally {
    server.close();
  }
});

test('terminateWorkers() sends SIGTERM, which a child may handle before it exits', async () => {
  const gates = new Gates('process', 2);
  const pool = new ProcessPoolExecutor({ maxWorkers: 1 });
  try {
    const running = pool.submit(handleSigterm, gates.handle(0), gates.handle(1));
    await gates.started(0);
    const closing = pool.terminateWorkers();
    // The child's own SIGTERM listener ran.
    await gates.started(1);
    await closing;
    await assert.rejects(running, (e: unknown) => e instanceof BrokenProcessPool && /stopped by terminateWorkers\(\)/.test(e.message));
    assert.equal(pool.state, 'closed');
  } finally {
    gates.dispose();
  }
});

test('killWorkers() ends a child that ignores the SIGTERM of terminateWorkers()', async () => {
  const gates = new Gates('process', 1);
  const pool = new ProcessPoolExecutor({ maxWorkers: 1 });
  try {
    const running = pool.submit(handleSigterm, gates.handle(0), null);
    await gates.started(0);
    const terminating = pool.terminateWorkers();
    await pool.killWorkers();
    await terminating;
    await assert.rejects(running, BrokenProcessPool);
    assert.equal(pool.state, 'closed');
  } finally {
    gates.dispose();
  }
});
