// What a thrown value says, as text, for an error message or a warning: never throwing itself, whatever was
// thrown (a value whose toString throws included).

/** An error's message, or what String() makes of a thrown non-error. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}

/** An error's stack (its message if it has none), or what String() makes of a thrown non-error. */
export function stackOf(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : messageOf(error);
}
