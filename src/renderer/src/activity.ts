/**
 * The user's own activity, reported to the server through the core's `activity` call: the server
 * cannot see typing, clicking or reading, and would log a busy user out for inactivity. Only real
 * input counts (never a message arriving or the app scrolling by itself), and reports are
 * throttled: at most one per interval, the last input of a burst reported when the interval ends.
 */

/** Input that means someone is using the app: typing, clicking, scrolling to read. */
const INPUT_EVENTS = ['keydown', 'pointerdown', 'wheel', 'touchstart'] as const;

/** At most one report per 10 s, or per quarter of a short timeout (so it still fits in it). */
export function activityReportIntervalMs(timeoutSeconds: number): number {
  return Math.min(10_000, (timeoutSeconds * 1000) / 4);
}

/** Reports input in `target` through `report`, at most once per `intervalMs()`; returns the stop function. */
export function watchUserActivity(target: Window, intervalMs: () => number, report: () => void): () => void {
  let lastReportAt = -Infinity;
  let pending: ReturnType<typeof setTimeout> | undefined;

  function send(): void {
    pending = undefined;
    lastReportAt = Date.now();
    report();
  }

  function onInput(): void {
    const wait = lastReportAt + intervalMs() - Date.now();
    if (wait <= 0) send();
    else pending ??= setTimeout(send, wait);
  }

  // Capture phase: a handler that stops propagation must not hide input from the watch.
  const options = { capture: true, passive: true };
  for (const type of INPUT_EVENTS) target.addEventListener(type, onInput, options);
  return () => {
    for (const type of INPUT_EVENTS) target.removeEventListener(type, onInput, options);
    clearTimeout(pending);
  };
}
