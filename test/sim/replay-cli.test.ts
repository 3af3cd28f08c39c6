/**
 * `shadowscale replay` end to end on a generated CSV: the JSONL contract, and that a prefix of
 * the file replays to a prefix of the output with the real online forecaster.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replayCommand } from '../../cli/replay';

const STEP_MS = 5 * 60_000;
const START = Date.UTC(2026, 0, 5);

function writeCsv(file: string, rows: number): void {
  const perDay = 288;
  const lines = ['timestamp,value'];
  for (let i = 0; i < rows; i++) {
    const v = 300 + 200 * Math.sin((2 * Math.PI * i) / perDay) + 15 * Math.sin(i * 0.7);
    lines.push(`${new Date(START + i * STEP_MS).toISOString()},${v.toFixed(3)}`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

async function runCli(args: string[]): Promise<string> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    await replayCommand().exitOverride().parseAsync(args, { from: 'user' });
  } finally {
    process.stdout.write = write;
  }
  return chunks.join('');
}

describe('shadowscale replay (CLI)', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'replay-cli-'));
    writeCsv(join(dir, 'full.csv'), 3 * 288);
    writeCsv(join(dir, 'prefix.csv'), 2 * 288 + 100);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('GIVEN a CSV WHEN replaying with --format jsonl THEN each step is one line with t, demand, running, suspended, stopped and a summary line ends it', async () => {
    const out = await runCli(['--history', join(dir, 'full.csv'), '--value-column', 'value', '--time-column', 'timestamp', '--capacity-per-vm', '12.5', '--controller', 'reactive', '--format', 'jsonl']);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    // Every row is a step (the first day is the unscored warm-up), then the summary.
    assert.equal(lines.length, 3 * 288 + 1);
    assert.deepEqual(Object.keys(lines[0]), ['t', 'demand', 'running', 'suspended', 'stopped']);
    assert.equal(lines[0].t, new Date(START).toISOString());
    assert.equal(lines.at(-1).summary.steps, 2 * 288);
    const summary = lines.at(-1).summary;
    for (const key of ['servedPct', 'costVsOracle', 'shortSteps']) assert.equal(typeof summary[key], 'number', key);
  });

  it('GIVEN the same file cut after row T WHEN replaying shadowscale with the real forecaster THEN every line up to T is identical', async () => {
    const args = (file: string) => ['--history', join(dir, file), '--value-column', 'value', '--time-column', 'timestamp', '--capacity-per-vm', '12.5', '--format', 'jsonl'];
    const full = (await runCli(args('full.csv'))).trim().split('\n');
    const prefix = (await runCli(args('prefix.csv'))).trim().split('\n');
    const prefixSteps = prefix.slice(0, -1);
    // One line per row: 676 rows in the prefix, 864 in the full file.
    assert.equal(prefixSteps.length, 676);
    assert.equal(full.length - 1, 864);
    assert.deepEqual(prefixSteps, full.slice(0, 676));
    assert.ok(prefixSteps.some((l) => JSON.parse(l).suspended > 0 || JSON.parse(l).running > 0));
  });

  it('GIVEN --format table WHEN replaying THEN the summary is printed for people', async () => {
    const out = await runCli(['--history', join(dir, 'full.csv'), '--value-column', 'value', '--time-column', 'timestamp', '--capacity-per-vm', '12.5', '--controller', 'static', '--format', 'table']);
    assert.match(out, /served demand\s+\d+\.\d+ %/);
    assert.match(out, /cost \/ oracle\s+\d/);
  });

  it('GIVEN --report FILE.html WHEN replaying THEN a self-contained HTML report is written next to the JSONL', async () => {
    const report = join(dir, 'report.html');
    await runCli(['--history', join(dir, 'full.csv'), '--value-column', 'value', '--time-column', 'timestamp', '--capacity-per-vm', '12.5', '--controller', 'reactive', '--report', report]);
    const html = readFileSync(report, 'utf8');
    assert.match(html, /<html/i);
    assert.match(html, /reactive-pool/);
  });

  it('GIVEN pool prices WHEN replaying a controller that keeps a pool THEN its cost follows them, and a negative price names its flag', async () => {
    const base = ['--history', join(dir, 'full.csv'), '--value-column', 'value', '--time-column', 'timestamp', '--capacity-per-vm', '12.5', '--controller', 'reactive-pool', '--format', 'jsonl'];
    const summaryOf = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!).summary as { cost: number; oracleCost: number };
    const cheap = summaryOf(await runCli(base));
    const dear = summaryOf(await runCli([...base, '--price-suspended', '0.5', '--price-stopped', '0.5']));
    assert.ok(dear.cost > cheap.cost, `cost ${dear.cost} with dearer pools vs ${cheap.cost}`);
    assert.equal(dear.oracleCost, cheap.oracleCost, 'the oracle runs no pool');
    await assert.rejects(runCli([...base, '--price-stopped', '-1']), /--price-stopped: expected a price per VM-minute >= 0, got "-1"/);
  });

  it('GIVEN flags that would silently mean something else WHEN replaying THEN each is refused naming its flag, before any work', async () => {
    const base = ['--history', join(dir, 'full.csv'), '--value-column', 'value', '--time-column', 'timestamp', '--capacity-per-vm', '12.5'];
    // The history's step is 5 minutes: a 7-minute tick became 10 minutes.
    await assert.rejects(runCli([...base, '--tick', '7m']), /--tick: expected the history's step \(5m\) or a whole multiple of it, got 7m/);
    await assert.rejects(runCli([...base, '--price-suspended', '2']), /--price-suspended: expected a price below --price-running \(1\), got 2/);
    await assert.rejects(runCli([...base, '--report', join(dir, 'no-such-folder', 'r.html')]), /--report: expected a file in an existing folder/);
  });

  it('GIVEN a bad --capacity-per-vm WHEN replaying THEN the error names the flag', async () => {
    await assert.rejects(runCli(['--history', join(dir, 'full.csv'), '--value-column', 'value', '--time-column', 'timestamp', '--capacity-per-vm', 'lots']), /--capacity-per-vm: expected a positive number/);
  });
});
