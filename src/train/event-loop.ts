// Letting signals in during long in-memory loops. In-memory feeds and row sources resolve at
// once, so `for await` alone never leaves the microtask queue, and a SIGINT/SIGTERM handler (a
// macrotask) would only run after the whole loop; yielding once per batch costs microseconds.

/** Resolves after pending I/O and signal callbacks have run. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** After a batch: true when `shouldStop` (a flag a signal handler raises) asks to stop, checked once the handler could run. */
export async function stopAsked(shouldStop: (() => boolean) | undefined): Promise<boolean> {
  if (!shouldStop) return false;
  await yieldToEventLoop();
  return shouldStop();
}
