import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createProgress } from '../../cli/progress';

/** A writable that records output and can pose as a terminal (with the cursor methods cli-progress calls). */
function terminalLike(isTTY: boolean) {
  const written: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      written.push(chunk.toString());
      callback();
    },
  }) as Writable & { isTTY?: boolean; columns?: number; cursorTo?: unknown; clearLine?: unknown; moveCursor?: unknown; clearScreenDown?: unknown };
  if (isTTY) {
    stream.isTTY = true;
    stream.columns = 120;
    stream.cursorTo = (_x: number, _y?: number, cb?: () => void) => (cb?.(), true);
    stream.clearLine = (_dir: number, cb?: () => void) => (cb?.(), true);
    stream.moveCursor = (_dx: number, _dy: number, cb?: () => void) => (cb?.(), true);
    stream.clearScreenDown = (cb?: () => void) => (cb?.(), true);
  }
  return { stream, text: () => written.join('') };
}

describe('createProgress', function () {
  it('GIVEN stderr is not a terminal WHEN ticking to the end THEN nothing is written', function () {
    const out = terminalLike(false);
    const progress = createProgress('backtest', 10, { stream: out.stream });
    for (let i = 0; i < 10; i++) progress.tick();
    progress.stop();
    assert.equal(out.text(), '');
  });

  it('GIVEN a terminal WHEN ticking to the end THEN the bar shows the label and reaches total', function () {
    const out = terminalLike(true);
    const progress = createProgress('backtest web', 4, { stream: out.stream });
    progress.tick();
    progress.tick(3);
    progress.stop();
    progress.stop();
    progress.tick();
    assert.match(out.text(), /backtest web/);
    assert.match(out.text(), /100% \| 4\/4/);
  });

  it('GIVEN no stream option and a stderr that is not a TTY WHEN ticking THEN nothing reaches stderr', function () {
    const original = process.stderr.write;
    const hadOwn = Object.prototype.hasOwnProperty.call(process.stderr, 'isTTY');
    const wasTTY = process.stderr.isTTY;
    Object.defineProperty(process.stderr, 'isTTY', { value: false, configurable: true, writable: true });
    let writes = 0;
    process.stderr.write = ((...args: Parameters<typeof original>) => {
      writes++;
      return original.apply(process.stderr, args);
    }) as typeof original;
    try {
      const progress = createProgress('replay', 3);
      progress.tick(3);
      progress.stop();
    } finally {
      process.stderr.write = original;
      if (hadOwn) Object.defineProperty(process.stderr, 'isTTY', { value: wasTTY, configurable: true, writable: true });
      else delete (process.stderr as { isTTY?: boolean }).isTTY;
    }
    assert.equal(writes, 0);
  });
});
