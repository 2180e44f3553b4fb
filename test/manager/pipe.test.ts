import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BrokenProcessPool, ChannelError, ManagedPipeEnd, Manager, ProcessPoolExecutor, QueueShutDown, ThreadPoolExecutor, type Executor } from 'aiox';
import { echoDoubled, holdPipeEnd } from '../fixtures/manager-tasks.js';
import { track } from '../fixtures/settle.js';

// Pipes between the caller and a task: both directions, back-pressure, closing, and an end that dies.

test('a pipe carries items both ways in order; maxsize makes a sender wait; close ends the other side', async () => {
  await using manager = new Manager();
  const [left, right] = manager.pipe<string>({ maxsize: 1 });
  assert.ok(left instanceof ManagedPipeEnd);
  await left.send('a');
  const second = track(left.send('b'));
  assert.equal(await right.recv(), 'a');
  await second.promise;
  await right.send('back');
  assert.equal(await left.recv(), 'back');
  await left.close();
  const seen: string[] = [];
  for await (const item of right) seen.push(item);
  assert.deepEqual(seen, ['b'], 'what was sent before close still arrives');
  await assert.rejects(right.send('late'), QueueShutDown);
});

const pools: [string, () => Executor & AsyncDisposable][] = [
  ['threads', () => new ThreadPoolExecutor({ maxWorkers: 1 })],
  ['processes', () => new ProcessPoolExecutor({ maxWorkers: 1 })],
];

for (const [kind, makePool] of pools) {
  test(`${kind}: a task at the other end of a pipe answers each item, and ends when the caller closes`, { timeout: 60_000 }, async () => {
    await using manager = new Manager();
    await using pool = makePool();
    const [mine, theirs] = manager.pipe<number>({ maxsize: 4 });
    const task = pool.submit(echoDoubled, theirs);
    const answers: number[] = [];
    for (let i = 1; i <= 20; i++) {
      await mine.send(i);
      answers.push(await mine.recv());
    }
    await mine.close();
    assert.equal(await task, 20);
    assert.deepEqual(answers, Array.from({ length: 20 }, (_, i) => 2 * (i + 1)));
  });
}

test('processes: when the worker at the other end dies, recv and send fail with a clear error', { timeout: 60_000 }, async () => {
  await using manager = new Manager();
  await using pool = new ProcessPoolExecutor({ maxWorkers: 1 });
  const [mine, theirs] = manager.pipe<number>();
  const task = pool.submit(holdPipeEnd, theirs);
  const pid = await mine.recv();
  const waiting = mine.recv().catch((error: unknown) => error);
  process.kill(pid, 'SIGKILL');
  await assert.rejects(task, BrokenProcessPool);
  const error = await waiting;
  assert.ok(error instanceof ChannelError);
  assert.match((error as Error).message, /other end of the pipe is gone/);
  await assert.rejects(mine.send(1), ChannelError);
});
