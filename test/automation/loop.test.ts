import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { runLoop } from '../../automation/modes/loop';
import { abortOnSignals, type SignalSource } from '../../automation/modes/signals';
import { CollectingSink } from './helpers';

describe('runLoop', () => {
  it('GIVEN maxTicks 3 WHEN the loop runs THEN three ticks run and one failure does not stop it', async () => {
    const sink = new CollectingSink();
    let n = 0;

    const summary = await runLoop(async () => {
      n++;
      if (n === 2) throw new Error('history source unreachable');
    }, { everyMs: 5, tickTimeoutMs: 1_000, signal: new AbortController().signal, sink, maxTicks: 3 });

    assert.deepEqual(summary, { ticks: 3, failedTicks: 1, stoppedBy: 'max-ticks' });
    assert.ok(sink.events.some((e) => e.code === 'loop.tick-failed' && /unreachable/.test(e.message)));
  });

  it('GIVEN a tick that outlives its timeout WHEN the loop runs THEN the tick sees its signal abort and the timeout is reported', async () => {
    const sink = new CollectingSink();
    let sawAbort = false;

    await runLoop((signal) => new Promise((_, reject) => {
      signal.addEventListener('abort', () => { sawAbort = true; reject(signal.reason); });
    }), { everyMs: 5, tickTimeoutMs: 30, signal: new AbortController().signal, sink, maxTicks: 1 });

    assert.equal(sawAbort, true);
    assert.deepEqual(sink.codes(), ['loop.tick-timeout']);
  });

  it('GIVEN a running tick WHEN SIGTERM arrives THEN the tick is cancelled, awaited, and the loop ends', async () => {
    const sink = new CollectingSink();
    const process = new EventEmitter() as EventEmitter & SignalSource;
    const shutdown = abortOnSignals(process, sink);
    let tickEnded = false;

    const loop = runLoop((signal) => new Promise<void>((resolve) => {
      signal.addEventListener('abort', () => setTimeout(() => { tickEnded = true; resolve(); }, 10));
    }), { everyMs: 60_000, tickTimeoutMs: 60_000, signal: shutdown.signal, sink });
    setTimeout(() => process.emit('SIGTERM', 'SIGTERM'), 10);
    const summary = await loop;
    shutdown.dispose();

    assert.equal(tickEnded, true, 'the loop waited for the cancelled tick');
    assert.equal(summary.stoppedBy, 'signal');
    assert.equal(summary.ticks, 1);
    assert.deepEqual(sink.codes(), ['process.signal', 'loop.stopped']);
    assert.equal(process.listenerCount('SIGTERM'), 0, 'dispose removed the listeners');
  });
});
