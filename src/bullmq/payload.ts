import { deserialize, serialize } from 'node:v8';
import { describe } from '../internal/validate.js';
import { isRecord, toWire, type WireError } from '../tasks/wire-error.js';

/**
 * What crosses Redis, and how. Job data and results are JSON to BullMQ; aiox puts inside them the
 * structured clone of the values (v8.serialize, in base64), so that a `Date`, a `Map`, a `BigInt` or a typed
 * array arrives as it left, as on the local pools. A small value that JSON carries exactly (see
 * {@link jsonExact}) travels as JSON text after a `~` instead, which base64 never holds: v8.serialize costs
 * about 20 µs a call here against JSON's 1, four calls a job.
 *
 * @module
 */

/**
 * The version of the job layout below; a host refuses any other. 2: values may travel as `~` + JSON. 3: a job
 * names its submitter (`to`), to which hosts publish what becomes of it (see {@link Reply}).
 */
export const PAYLOAD_VERSION = 3;

const JSON_MARK = '~';
/** Values (array items, object properties) the check of {@link jsonExact} visits at most. */
const JSON_BUDGET = 64;

/** The data of a job that a {@link BullMQExecutor} adds. */
export interface JobPayload {
  readonly aiox: typeof PAYLOAD_VERSION;
  /** The task's module, an absolute URL. */
  readonly module: string;
  /** The task's name in it. */
  readonly name: string;
  /** The arguments (an array), or for a map chunk the argument lists, serialized. */
  readonly args: string;
  /** A chunk of `map`: `args` holds one argument list per item, and the result is a chunk result. */
  readonly chunk?: true;
  /** The submitter listens to the task's progress or events. */
  readonly reports?: true;
  /** The submitter's id (see {@link replyChannel}); a job without one (added by hand) gets no replies. */
  readonly to?: string;
}

/**
 * What a host tells a job's submitter, on the submitter's channel: a host took the job (`a`), the task reported
 * progress (`p`) or an event (`e`), the job completed (`c`, `v` its stored return value) or failed for good
 * (`f`, `v` the task's error if the host recorded one, else `r` BullMQ's failedReason). A host publishes the
 * replies of one turn of its event loop as one message, a JSON array, in the order they happened. Replies are
 * a fast path, not the record: one lost (a submitter disconnected, a host killed) is made up from the job as
 * Redis stores it.
 */
export interface Reply {
  readonly k: 'a' | 'p' | 'e' | 'c' | 'f';
  /** The job's id. */
  readonly j: string;
  readonly v?: string;
  /** For a map chunk's report: the index of the item that reported, in the chunk. */
  readonly i?: number;
  readonly r?: string;
}

/** A submitter's id: what {@link replyChannel} accepts. */
const SUBMITTER_ID = /^[\w-]{1,64}$/;

/**
 * The channel on which hosts publish replies to the submitter `to` of queue `queue`, or undefined for an id
 * that is not one a submitter makes (a job written by hand): a host publishes only to these channels.
 */
export function replyChannel(prefix: string, queue: string, to: unknown): string | undefined {
  return typeof to === 'string' && SUBMITTER_ID.test(to) ? `${prefix}:${queue}:aiox:to:${to}` : undefined;
}

/** The replies in a message from a host, those of a valid shape only (the others are made up from the jobs). */
export function parseReplies(message: string): Reply[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.filter((reply: unknown): reply is Reply => {
    if (!isRecord(reply) || typeof reply['j'] !== 'string') return false;
    const { k, v, i, r } = reply;
    if (k !== 'a' && k !== 'p' && k !== 'e' && k !== 'c' && k !== 'f') return false;
    return (v === undefined || typeof v === 'string') && (i === undefined || Number.isInteger(i)) && (r === undefined || typeof r === 'string');
  });
}

/**
 * What a host writes with `job.updateProgress`: the error that failed the job (`x`), which BullMQ's own
 * failure keeps only as a message. (Hosts of layout 2 wrote progress (`p`) and events (`e`) there too.)
 */
export interface ProgressRecord {
  readonly k: 'p' | 'e' | 'x';
  readonly v: string;
  /** For a map chunk: the index of the item that reported, in the chunk. */
  readonly i?: number;
}

export function encode(value: unknown): string {
  return jsonExact(value) ? JSON_MARK + JSON.stringify(value) : serialize(value).toString('base64');
}

/** @throws whatever JSON.parse or v8.deserialize throws for a text that is neither. */
export function decode(text: string): unknown {
  return text.startsWith(JSON_MARK) ? JSON.parse(text.slice(1)) : deserialize(Buffer.from(text, 'base64'));
}

/**
 * Bytes an encoded text stands for (the JSON text in UTF-8, as it travels; what a base64 text decodes to),
 * without decoding it.
 */
export function decodedBytes(text: string): number {
  return text.startsWith(JSON_MARK) ? Buffer.byteLength(text, 'utf8') - 1 : Math.floor((text.length * 3) / 4);
}

/**
 * Whether JSON carries `value` exactly as a structured clone would: null, booleans, strings, finite numbers
 * other than -0, and dense plain arrays and plain objects of those (no `__proto__` key, no property a
 * structured clone would keep and JSON drop), within {@link JSON_BUDGET} values. Anything else, or anything
 * bigger, goes through v8.serialize.
 */
function jsonExact(value: unknown): boolean {
  let budget = JSON_BUDGET;
  const exact = (v: unknown): boolean => {
    if (--budget < 0) return false;
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return true;
      case 'number':
        return Number.isFinite(v) && !Object.is(v, -0);
      case 'object':
        if (v === null) return true;
        if (Array.isArray(v)) {
          if (Object.getPrototypeOf(v) !== Array.prototype || Object.keys(v).length !== v.length) return false;
          for (const item of v as unknown[]) if (!exact(item)) return false;
          return true;
        }
        if (Object.getPrototypeOf(v) !== Object.prototype || Object.hasOwn(v, '__proto__')) return false;
        for (const key in v) if (!Object.hasOwn(v, key) || !exact((v as Record<string, unknown>)[key])) return false;
        return true;
      default:
        return false;
    }
  };
  return exact(value);
}

/** The error of a failed task as a host records it. */
export function encodeError(error: unknown): string {
  return encode(toWire(error));
}

/** Why `data`, read from a job, is not a {@link JobPayload}, or undefined if it is one. */
export function payloadProblem(data: unknown): string | undefined {
  if (!isRecord(data)) return `its data is ${describe(data)}, not an object`;
  if (data['aiox'] !== PAYLOAD_VERSION) return `its data is not an aiox task of layout ${PAYLOAD_VERSION} (aiox: ${describe(data['aiox'])})`;
  for (const key of ['module', 'name', 'args'] as const) {
    if (typeof data[key] !== 'string' || data[key] === '') return `its ${key} is not a non-empty string`;
  }
  if (!URL.canParse(data['module'] as string)) return `its module is not an absolute URL: ${describe(data['module'])}`;
  if (data['chunk'] !== undefined && data['chunk'] !== true) return 'its chunk flag is not true';
  if (data['reports'] !== undefined && data['reports'] !== true) return 'its reports flag is not true';
  if (data['to'] !== undefined && typeof data['to'] !== 'string') return 'its submitter is not a string';
  return undefined;
}

/** Why a decoded progress value from a job is not a {@link ProgressRecord}, or undefined. */
export function progressProblem(data: unknown): string | undefined {
  if (!isRecord(data)) return 'not an object';
  if (data['k'] !== 'p' && data['k'] !== 'e' && data['k'] !== 'x') return 'no kind';
  if (typeof data['v'] !== 'string') return 'no value';
  if (data['i'] !== undefined && !Number.isInteger(data['i'])) return 'a bad item index';
  return undefined;
}

export type { WireError };
