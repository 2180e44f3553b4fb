import type { ConnectionOptions, RedisOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { describe } from '../internal/validate.js';

/** The queue's channel on which submitters ask hosts to stop a running job (its id is the message). */
export function cancelChannel(prefix: string, queue: string): string {
  return `${prefix}:${queue}:aiox:cancel`;
}

/**
 * Refuses a queue name BullMQ would refuse later, with a plain Error (a `:`, which separates its keys' parts).
 * @throws {TypeError}
 */
export function validateQueueName(queue: unknown): void {
  if (typeof queue !== 'string' || queue === '' || queue.includes(':')) {
    throw new TypeError(`queue must be a non-empty string without ":", received ${describe(queue)}`);
  }
}

/**
 * A connection of its own (a subscriber, or a client for plain commands) with the options of `connection`:
 * a copy of a client the caller passed, or a new client from the options.
 */
export function ownConnection(connection: ConnectionOptions): Redis {
  const given = connection as { duplicate?: unknown };
  if (typeof given.duplicate === 'function') return (connection as Redis).duplicate();
  // BullMQ's options are ioredis's, typed loosely (and ioredis's own types reject exactOptionalPropertyTypes).
  return new Redis({ ...(connection as RedisOptions), maxRetriesPerRequest: null } as never);
}

/**
 * Connection options from a `redis://[user:password@]host[:port][/db]` or `rediss://` URL (TLS with the
 * system's certificates), for the command line.
 * @throws {TypeError} for anything else.
 */
export function connectionFromUrl(url: string): RedisOptions {
  if (!URL.canParse(url)) throw new TypeError(`redis must be a redis:// or rediss:// URL, received ${describe(url)}`);
  const parsed = new URL(url);
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new TypeError(`redis must be a redis:// or rediss:// URL, received ${describe(url)}`);
  }
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new TypeError(`the database in the redis URL must be a number, received ${describe(db)}`);
  const options: RedisOptions = {
    host: parsed.hostname === '' ? 'localhost' : parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    maxRetriesPerRequest: null,
  };
  if (parsed.username !== '') options.username = decodeURIComponent(parsed.username);
  if (parsed.password !== '') options.password = decodeURIComponent(parsed.password);
  if (db !== '') options.db = Number(db);
  if (parsed.protocol === 'rediss:') options.tls = {};
  return options;
}
