import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { LABELS_KEY, createLogger, decisionEvent, loggerSink, severityOf } from '../../automation/log';
import type { Clock } from '../../automation/ports';

/** A stream that keeps what was written, as text and as parsed JSON lines. */
function capture(options: { isTTY?: boolean } = {}) {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  }) as Writable & { isTTY?: boolean };
  if (options.isTTY) stream.isTTY = true;
  return {
    stream,
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const fixedClock: Clock = { now: () => new Date('2025-03-01T12:34:56.789Z') };

describe('createLogger (Cloud Logging JSON)', function () {
  it('GIVEN a JSON logger at debug WHEN logging at each level THEN each line carries the Cloud Logging severity, message and RFC 3339 time', function () {
    const out = capture();
    const logger = createLogger({ format: 'json', level: 'debug', destination: out.stream, clock: fixedClock });
    logger.debug('d');
    logger.info('i');
    logger.notice('n');
    logger.warn('w');
    logger.error('e');
    logger.fatal('f');
    const lines = out.lines();
    assert.deepEqual(lines.map((l) => [l['severity'], l['message']]), [
      ['DEBUG', 'd'],
      ['INFO', 'i'],
      ['NOTICE', 'n'],
      ['WARNING', 'w'],
      ['ERROR', 'e'],
      ['CRITICAL', 'f'],
    ]);
    for (const l of lines) {
      assert.equal(l['time'], '2025-03-01T12:34:56.789Z');
      assert.equal(l['level'], undefined, 'pino level number must not leak next to severity');
      assert.equal(l['msg'], undefined);
      assert.equal(l['pid'], undefined);
    }
  });

  it('GIVEN level info WHEN debug is logged THEN nothing is written', function () {
    const out = capture();
    const logger = createLogger({ format: 'json', level: 'info', destination: out.stream, clock: fixedClock });
    logger.debug('hidden');
    assert.equal(out.text(), '');
  });

  it('GIVEN run labels at creation and workload labels on a line WHEN logged THEN Cloud Logging sees one merged labels object of strings', function () {
    const out = capture();
    const logger = createLogger({ format: 'json', destination: out.stream, labels: { run_id: 'r-42' }, clock: fixedClock });
    logger.info({ [LABELS_KEY]: { workload: 'web', replicas: 3 }, extra: { a: 1 } }, 'hello');
    logger.info('no line labels');
    const [first, second] = out.lines();
    assert.deepEqual(first![LABELS_KEY], { run_id: 'r-42', workload: 'web', replicas: '3' });
    assert.deepEqual(first!['extra'], { a: 1 });
    assert.deepEqual(second![LABELS_KEY], { run_id: 'r-42' });
  });

  it('GIVEN the real system clock WHEN logged THEN time is RFC 3339 in UTC', function () {
    const out = capture();
    createLogger({ format: 'json', destination: out.stream }).info('now');
    assert.match(String(out.lines()[0]!['time']), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('GIVEN format auto and a destination that is not a terminal WHEN logged THEN lines are JSON', function () {
    const out = capture();
    createLogger({ format: 'auto', destination: out.stream, clock: fixedClock }).notice('piped');
    assert.equal(out.lines()[0]!['severity'], 'NOTICE');
  });

  it('GIVEN format auto and a terminal destination WHEN logged THEN the line is for people, not JSON', function () {
    const out = capture({ isTTY: true });
    createLogger({ format: 'auto', destination: out.stream, clock: fixedClock }).notice('to a person');
    const text = out.text();
    assert.match(text, /NOTICE/);
    assert.match(text, /to a person/);
    assert.throws(() => JSON.parse(text.trim()));
  });

  it('GIVEN pino level numbers WHEN mapped THEN unknown numbers are DEFAULT', function () {
    assert.equal(severityOf(10), 'DEBUG');
    assert.equal(severityOf(45), 'DEFAULT');
  });
});

describe('loggerSink', function () {
  it('GIVEN events of every EventSink severity WHEN emitted THEN one line each with code as label and payload, data kept', function () {
    const out = capture();
    const sink = loggerSink(createLogger({ format: 'json', level: 'debug', destination: out.stream, labels: { run_id: 'r1' }, clock: fixedClock }));
    for (const severity of ['DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR'] as const) {
      sink.emit({ code: `test.${severity.toLowerCase()}`, severity, message: `m ${severity}`, labels: { workload: 'api' }, data: { n: 1 } });
    }
    const lines = out.lines();
    assert.equal(lines.length, 5);
    lines.forEach((l, i) => {
      const severity = ['DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR'][i]!;
      assert.equal(l['severity'], severity);
      assert.equal(l['message'], `m ${severity}`);
      assert.equal(l['code'], `test.${severity.toLowerCase()}`);
      assert.deepEqual(l[LABELS_KEY], { run_id: 'r1', workload: 'api', code: `test.${severity.toLowerCase()}` });
      assert.deepEqual(l['data'], { n: 1 });
    });
  });

  it('GIVEN a decision WHEN emitted as an event THEN its reason, code and numbers are in one NOTICE line', function () {
    const out = capture();
    const sink = loggerSink(createLogger({ format: 'json', destination: out.stream, clock: fixedClock }));
    sink.emit(decisionEvent({ workload: 'web', code: 'weight.shift', message: 'shadow healthy for 10 min; shift 20 %', numbers: { from: 1000, to: 800, healthyMin: 10 }, generation: 'web-g2' }));
    const lines = out.lines();
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!['severity'], 'NOTICE');
    assert.equal(lines[0]!['message'], 'shadow healthy for 10 min; shift 20 %');
    assert.deepEqual(lines[0]![LABELS_KEY], { workload: 'web', generation: 'web-g2', code: 'weight.shift' });
    assert.deepEqual((lines[0]!['data'] as { numbers: unknown }).numbers, { from: 1000, to: 800, healthyMin: 10 });
  });
});
