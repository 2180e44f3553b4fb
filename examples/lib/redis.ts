import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

// A private redis-server, for the tests that need one and the cluster scenario: on a free loopback port, in
// a temporary folder, persisting nothing unless asked, stopped after. A server already running on the
// machine is never used.

/** The redis-server on the PATH, or undefined. */
export function findRedisServer(): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const path = join(dir, 'redis-server');
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // Not in this folder.
    }
  }
  return undefined;
}

/** The redis-server found on the PATH when this module loaded, or undefined. */
export const REDIS_SERVER = findRedisServer();
export const HOW_TO_INSTALL_REDIS = 'install redis-server with `apt-get install redis-server` (Debian, Ubuntu) or `brew install redis`';

export interface RedisServerOptions {
  /** Sets `requirepass`. */
  readonly password?: string;
  /** Keeps an append-only file, so that a restart keeps the data. @default false */
  readonly persistence?: boolean;
}

export interface RedisServer {
  readonly port: number;
  /** ioredis options that reach it. */
  readonly connection: { readonly host: string; readonly port: number; readonly password?: string; readonly maxRetriesPerRequest: null };
  /** `redis://` URL that reaches it. */
  readonly url: string;
  /**
   * Stops it and starts it again on the same port (its data kept with `persistence`), after `whileDown`
   * has run, if given.
   */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

/** A free loopback port, as the system hands one out; a server started on it may still lose a race for it. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** Starts redis-server and resolves once it accepts connections, or rejects with what it printed. */
async function launch(port: number, dir: string, options: RedisServerOptions): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--daemonize', 'no', '--loglevel', 'notice'];
  args.push('--appendonly', options.persistence === true ? 'yes' : 'no');
  if (options.password !== undefined) args.push('--requirepass', options.password);
  const child = spawn(REDIS_SERVER!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (!output.includes('Ready to accept connections')) return;
      child.stdout!.off('data', onData);
      child.stdout!.resume();
      resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code} before it was ready:\n${output}`)));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/** Starts a private redis-server. Stop it with `stop()` (an `after` hook). */
export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  if (REDIS_SERVER === undefined) throw new Error(`redis-server is not on the PATH: ${HOW_TO_INSTALL_REDIS}`);
  const dir = mkdtempSync(join(tmpdir(), 'aiox-redis-'));
  let child: ChildProcess | undefined;
  let port = 0;
  // Another program may take the port between freePort() and the server's bind: then try another.
  for (let attempt = 1; child === undefined; attempt++) {
    port = await freePort();
    try {
      child = await launch(port, dir, options);
    } catch (error) {
      if (attempt >= 5 || !/in use/i.test((error as Error).message)) throw error;
    }
  }
  const { password } = options;
  return {
    port,
    connection: { host: '127.0.0.1', port, maxRetriesPerRequest: null, ...(password === undefined ? {} : { password }) },
    url: `redis://${password === undefined ? '' : `:${encodeURIComponent(password)}@`}127.0.0.1:${port}`,
    async restart(whileDown) {
      await stopChild(child!);
      await whileDown?.();
      child = await launch(port, dir, options);
    },
    async stop() {
      await stopChild(child!);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
