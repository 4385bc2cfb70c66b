/**
 * A beat every `everyMs` while some work runs (renewing a lock, touching a task), on a timer that does
 * not keep the process alive. A failed beat is let go: the next one tries again. Returns the stop.
 */
export function heartbeat(everyMs: number, beat: () => Promise<unknown> | unknown): () => void {
  const t = setInterval(() => void Promise.resolve().then(beat).catch(() => undefined), Math.max(1, Math.floor(everyMs)));
  t.unref();
  return () => clearInterval(t);
}
