import { deserialize, serialize } from 'node:v8';
import { describe } from '../internal/validate.js';
import { isRecord, toWire, type WireError } from '../tasks/wire-error.js';

/**
 * What crosses Redis, and how. Job data and results are JSON to BullMQ; aiox puts inside them the
 * structured clone of the values (v8.serialize, in base64), so that a `Date`, a `Map`, a `BigInt` or a typed
 * array arrives as it left, as on the local pools.
 *
 * @module
 */

/** The version of the job layout below; a host refuses any other. */
export const PAYLOAD_VERSION = 1;

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
}

/**
 * What a host writes with `job.updateProgress`: a progress value (`p`), an event (`e`), or, last, the error
 * that failed the job (`x`), which BullMQ's own failure keeps only as a message.
 */
export interface ProgressRecord {
  readonly k: 'p' | 'e' | 'x';
  readonly v: string;
  /** For a map chunk: the index of the item that reported, in the chunk. */
  readonly i?: number;
}

export function encode(value: unknown): string {
  return serialize(value).toString('base64');
}

export function decode(text: string): unknown {
  return deserialize(Buffer.from(text, 'base64'));
}

/** Bytes a base64 text decodes to, without decoding it. */
export function decodedBytes(text: string): number {
  return Math.floor((text.length * 3) / 4);
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
