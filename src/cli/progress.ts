/** A progress bar for long work, on a terminal only (cli-progress); shows after the first second. */
import cliProgress from 'cli-progress';
import type { Io } from './output.js';

export function progressBar(io: Io, label: string): { update: (done: number) => void; stop: () => void } {
  const startedAt = Date.now();
  let bar: cliProgress.SingleBar | undefined;
  return {
    update(done: number) {
      if (!bar && Date.now() - startedAt < 1000) return;
      if (!bar) {
        bar = new cliProgress.SingleBar({ format: `${label} [{bar}] {percentage}% | {duration_formatted}`, stream: io.err, hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic);
        bar.start(100, 0);
      }
      bar.update(Math.round(done * 100));
    },
    stop() {
      bar?.stop();
    },
  };
}
