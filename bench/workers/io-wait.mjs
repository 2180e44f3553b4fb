// An I/O-bound task for the concurrent scenario: it waits `ms` on a timer (standing for a request or a query)
// and returns `id`. aiox passes the arguments as they are; piscina passes one object.

/** Waits `ms`, then returns `id`. */
export function ioWait(id, ms) {
  return new Promise((resolve) => setTimeout(resolve, ms, id));
}

export default function piscinaIoWait({ id, ms }) {
  return ioWait(id, ms);
}
