/**
 * The long-running loop (Backstage-scheduler style): one tick at a time, each with its own
 * AbortSignal that fires on the tick's timeout or when the loop is stopped. A failed tick is
 * reported and the loop goes on; stopping the loop cancels the running tick and waits for it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import type { EventSink } from '../ports';
import { describeError } from '../errors';

export interface LoopOptions {
  /** Start-to-start period; a tick that overruns is followed by the next one at once. */
  everyMs: number;
  /** A tick still running after this is aborted, so one stuck call cannot stall the loop. */
  tickTimeoutMs: number;
  /** Stops the loop (SIGTERM/SIGINT); the running tick sees it through its own signal. */
  signal: AbortSignal;
  sink: EventSink;
  /** Stop after this many ticks (`--once` is 1). */
  maxTicks?: number;
}

export interface LoopSummary {
  ticks: number;
  failedTicks: number;
  /** Why the loop ended. */
  stoppedBy: 'signal' | 'max-ticks';
}

export async function runLoop(tick: (signal: AbortSignal) => Promise<void>, options: LoopOptions): Promise<LoopSummary> {
  if (!(options.everyMs > 0) || !(options.tickTimeoutMs > 0)) {
    throw new RangeError(`loop period and tick timeout must be > 0 ms, got ${options.everyMs} and ${options.tickTimeoutMs}`);
  }
  let ticks = 0;
  let failedTicks = 0;
  while (!options.signal.aborted) {
    const startedAt = performance.now();
    const tickSignal = AbortSignal.any([options.signal, AbortSignal.timeout(options.tickTimeoutMs)]);
    ticks++;
    try {
      await tick(tickSignal);
    } catch (error) {
      failedTicks++;
      const timedOut = tickSignal.aborted && !options.signal.aborted;
      options.sink.emit({
        code: timedOut ? 'loop.tick-timeout' : 'loop.tick-failed',
        severity: 'ERROR',
        message: timedOut ? `tick ${ticks} exceeded its timeout of ${Math.round(options.tickTimeoutMs / 1000)} s and was cancelled` : `tick ${ticks} failed: ${describeError(error)}`,
      });
    }
    if (options.maxTicks !== undefined && ticks >= options.maxTicks) return { ticks, failedTicks, stoppedBy: 'max-ticks' };
    const waitMs = Math.max(0, options.everyMs - (performance.now() - startedAt));
    try {
      await sleep(waitMs, undefined, { signal: options.signal });
    } catch {
      break; // aborted while waiting
    }
  }
  options.sink.emit({ code: 'loop.stopped', severity: 'NOTICE', message: `loop stopped after ${ticks} tick(s): ${describeError(options.signal.reason)}` });
  return { ticks, failedTicks, stoppedBy: 'signal' };
}
