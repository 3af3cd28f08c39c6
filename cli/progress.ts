/**
 * A progress bar for long commands (backtests, replays), on stderr and only for a person at a
 * terminal: piped or scheduled runs get nothing, so stdout JSON and log lines stay clean.
 */
import { Presets, SingleBar } from 'cli-progress';

export interface Progress {
  tick(n?: number): void;
  stop(): void;
}

export interface ProgressOptions {
  /** Where the bar is drawn; default process.stderr. Drawn only when this stream is a TTY. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
}

const NO_PROGRESS: Progress = { tick() {}, stop() {} };

export function createProgress(label: string, total: number, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  if (stream.isTTY !== true || !(total > 0)) return NO_PROGRESS;
  const bar = new SingleBar(
    {
      stream,
      format: `${label.replace(/[{}]/g, '')} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: false,
      // A bar is for a person watching: redraw at most 5 times a second.
      fps: 5,
    },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  let stopped = false;
  return {
    tick(n = 1) {
      if (!stopped) bar.increment(n);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
