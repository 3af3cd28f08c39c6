/**
 * `shadowscale replay`: a controller over a demand history on the simulated fleet.
 *
 * shadowscale replay --history FILE --value-column COL [--time-column COL | --step DUR]
 *   [--resample DUR] --capacity-per-vm X [--controller shadowscale|reactive|reactive-pool|seasonal|static]
 *   [--tick DUR] [--boot 4m --resume 1m --start 2m] [--price-running 1 --price-suspended 0.08
 *   --price-stopped 0.04] [--format jsonl|table] [--report FILE.html]
 *
 * jsonl: one line per scored step {"t","demand","running","suspended","stopped"} (the MIG
 * targets the controller asked for at that step, decided from earlier rows only), then
 * {"summary": {...}}.
 */
import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { parseDuration } from '../automation/duration';
import { inputError } from '../automation/errors';
import type { ReplayResult } from '../automation/replay-types';
import { renderReplayReport } from '../automation/render/report';
import { createProgress } from './progress';
import { assertWritableReport } from './report-file';
import type { Series } from '../forecaster/types';
import { CONTROLLER_NAMES, type ControllerName } from '../automation/sim/controllers';
import { replay, type ReplayOptions } from '../automation/sim/replay';
import { addHistoryOptions, readHistoryFromFlags, type HistoryFlags } from './history-options';

interface ReplayFlags extends HistoryFlags {
  capacityPerVm: string;
  controller: ControllerName;
  tick: string;
  boot: string;
  resume: string;
  start: string;
  priceRunning: string;
  priceSuspended: string;
  priceStopped: string;
  warmup: string;
  targetUtilization?: string;
  format: 'jsonl' | 'table';
  report?: string;
}

/** A price per VM-minute: positive for a running VM, non-negative for a pooled one. */
function price(text: string, flag: string, positive = false): number {
  const x = Number(text);
  if (!(Number.isFinite(x) && (positive ? x > 0 : x >= 0))) throw inputError('input.flag', { field: flag }, `expected a price per VM-minute ${positive ? '> 0' : '>= 0'}, got "${text}"`);
  return x;
}

export function parseReplayFlags(flags: ReplayFlags): ReplayOptions {
  const capacityPerVm = Number(flags.capacityPerVm);
  if (!(Number.isFinite(capacityPerVm) && capacityPerVm > 0)) {
    throw inputError('input.flag', { field: '--capacity-per-vm' }, `expected a positive number of demand units one VM serves, got "${flags.capacityPerVm}"`);
  }
  const opts: ReplayOptions = {
    controller: flags.controller,
    capacityPerVm,
    tickMs: parseDuration(flags.tick, '--tick'),
    warmupMs: parseDuration(flags.warmup, '--warmup'),
    model: {
      bootMs: parseDuration(flags.boot, '--boot'), resumeMs: parseDuration(flags.resume, '--resume'), startMs: parseDuration(flags.start, '--start'),
      price: { running: price(flags.priceRunning, '--price-running', true), suspended: price(flags.priceSuspended, '--price-suspended'), stopped: price(flags.priceStopped, '--price-stopped') },
    },
  };
  const { running, suspended, stopped } = opts.model!.price!;
  // A pool that costs more than running would never be worth holding: a typo, not a fleet.
  if (suspended >= running) throw inputError('input.flag', { field: '--price-suspended' }, `expected a price below --price-running (${running}), got ${suspended}`);
  if (stopped >= running) throw inputError('input.flag', { field: '--price-stopped' }, `expected a price below --price-running (${running}), got ${stopped}`);
  if (flags.targetUtilization !== undefined) {
    const u = Number(flags.targetUtilization);
    if (!(u > 0 && u <= 1)) throw inputError('input.flag', { field: '--target-utilization' }, `expected a number in (0, 1], got "${flags.targetUtilization}"`);
    opts.targetUtilization = u;
  }
  return opts;
}

export function jsonlLines(result: ReplayResult): string[] {
  const lines = result.steps.map((s) => JSON.stringify({ t: s.t, demand: Number.isFinite(s.demand) ? s.demand : null, running: s.running, suspended: s.suspended, stopped: s.stopped }));
  lines.push(JSON.stringify({ summary: result.summary }));
  return lines;
}

export function summaryTable(result: ReplayResult): string {
  const s = result.summary;
  const rows: [string, string][] = [
    ['controller', s.controller],
    ['steps scored', String(s.steps)],
    ['served demand', `${s.servedPct.toFixed(3)} %`],
    ['cost', s.cost.toFixed(1)],
    ['oracle cost', s.oracleCost.toFixed(1)],
    ['cost / oracle', s.costVsOracle.toFixed(3)],
    ['short steps', String(s.shortSteps)],
    ['gap steps (no demand; their cost apart)', `${s['gapSteps'] ?? 0} (${Number(s['gapCost'] ?? 0).toFixed(1)})`],
    ['mean running VMs', String(s.meanRunning)],
    ['decisions', String(s.decisions)],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

/** A progress bar on stderr when it is a terminal; nothing otherwise (stdout stays clean). */
function progressBar(label: string): (done: number, total: number) => void {
  let bar: ReturnType<typeof createProgress> | undefined;
  let last = 0;
  return (done, total) => {
    bar ??= createProgress(`replay ${label}`, total);
    bar.tick(done - last);
    last = done;
    if (done === total) bar.stop();
  };
}

async function writeReport(file: string, flags: ReplayFlags, primary: ReplayResult, series: Series, opts: ReplayOptions): Promise<void> {
  // The reference controllers on the same history and fleet model, for comparison.
  const references = (['reactive', 'reactive-pool', 'seasonal', 'static'] as const)
    .filter((c) => c !== flags.controller)
    .map((c) => replay(series, { ...opts, controller: c, onProgress: progressBar(c) }));
  const html = await renderReplayReport({ title: `replay of ${flags.history} (${flags.valueColumn})`, source: `shadowscale replay ${process.argv.slice(3).join(' ')}`, primary, references });
  writeFileSync(file, html);
}

export function replayCommand(): Command {
  const cmd = new Command('replay').description('replay a demand history through a controller on the simulated fleet and score it against the oracle');
  addHistoryOptions(cmd)
    .requiredOption('--capacity-per-vm <x>', 'demand units one VM serves')
    .addOption(new Option('--controller <name>', 'controller').choices([...CONTROLLER_NAMES]).default('shadowscale'))
    .option('--tick <dur>', "planner tick: the history's step or a multiple of it; a shorter one decides at every step", '15m')
    .option('--boot <dur>', 'new VM latency', '4m')
    .option('--resume <dur>', 'resume-from-suspended latency', '1m')
    .option('--start <dur>', 'start-from-stopped latency', '2m')
    .option('--price-running <x>', 'price of a running (or booting) VM per minute', '1')
    .option('--price-suspended <x>', 'price of a suspended VM per minute', '0.08')
    .option('--price-stopped <x>', 'price of a stopped VM per minute', '0.04')
    .option('--warmup <dur>', 'rows before the first scored step, run by the reactive fallback (no history to forecast from yet)', '1d')
    .option('--target-utilization <u>', 'target utilisation of the reference controllers (default 0.6)')
    .addOption(new Option('--format <fmt>', 'output').choices(['jsonl', 'table']).default('jsonl'))
    .option('--report <file>', 'also write an HTML report comparing the reference controllers')
    .action(async (flags: ReplayFlags) => {
      const opts = parseReplayFlags(flags);
      // Before the replay, not after it: a report that cannot be written is a bad flag.
      if (flags.report) assertWritableReport(flags.report);
      const { series } = await readHistoryFromFlags(flags);
      const result = replay(series, { ...opts, onProgress: progressBar(String(opts.controller)) });
      if (flags.format === 'table') process.stdout.write(`${summaryTable(result)}\n`);
      else process.stdout.write(`${jsonlLines(result).join('\n')}\n`);
      if (flags.report) {
        await writeReport(flags.report, flags, result, series, opts);
        process.stderr.write(`replay: report written to ${flags.report}\n`);
      }
    });
  return cmd;
}
