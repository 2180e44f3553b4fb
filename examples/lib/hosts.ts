import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Worker hosts as separate processes (`aiox worker`), for the cluster scenario and the bullmq bench.

const CLI = fileURLToPath(new URL('../../../dist/bullmq/cli.js', import.meta.url));

export interface HostProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
}

/**
 * Starts `aiox worker --redis url --queue queue --tasks tasks` with `args` after, and resolves once it serves
 * the queue.
 */
export function startHost(name: string, url: string, queue: string, tasks: string, args: readonly string[] = []): Promise<HostProcess> {
  const child = spawn(process.execPath, [CLI, 'worker', '--redis', url, '--queue', queue, '--tasks', tasks, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const pid = new RegExp(`serving queue ${queue} \\(pid (\\d+)\\)`).exec(output)?.[1];
      if (pid !== undefined) resolve({ name, pid: Number(pid), child });
    });
    child.once('exit', (code) => reject(new Error(`host ${name} exited with ${code} before it served`)));
  });
}

/** Stops a host with SIGTERM (it drains) unless it has exited, and waits for its exit. */
export async function stopHost({ child }: HostProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
