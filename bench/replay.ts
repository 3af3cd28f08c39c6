/**
 * Replay benchmark: every trace in bench/traces.ts, every controller, on the simulated fleet
 * with DESIGN.md's default latencies and prices. Capacity per VM = the trace's 99th percentile
 * / 40 (so the fleet is tens of VMs, whatever the trace's units). Also the speed of a 30-day,
 * 1-minute replay of generated demand.
 *
 * Runnable alone: node --import tsx bench/replay.ts [trace-id ...]
 */
import { existsSync } from 'node:fs';
import { readHistoryFile } from '../forecaster/sources/files';
import type { Series } from '../forecaster/types';
import type { ReplaySummary } from '../automation/replay-types';
import { replay, type ReplayOptions } from '../automation/sim/replay';
import { BENCH_TRACES, tracePath, type BenchTrace } from './traces';

export const BENCH_CONTROLLERS: { label: string; opts: Pick<ReplayOptions, 'controller' | 'targetUtilization'> }[] = [
  { label: 'shadowscale', opts: { controller: 'shadowscale' } },
  { label: 'reactive 0.6', opts: { controller: 'reactive', targetUtilization: 0.6 } },
  { label: 'reactive 0.4', opts: { controller: 'reactive', targetUtilization: 0.4 } },
  { label: 'reactive-pool 0.6', opts: { controller: 'reactive-pool', targetUtilization: 0.6 } },
  { label: 'seasonal 0.6', opts: { controller: 'seasonal', targetUtilization: 0.6 } },
  { label: 'static', opts: { controller: 'static' } },
];

export function percentile(values: ArrayLike<number>, q: number): number {
  const xs = Array.from(values).filter(Number.isFinite).sort((a, b) => a - b);
  if (xs.length === 0) return Number.NaN;
  const pos = (xs.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo);
}

interface Row {
  trace: BenchTrace;
  label: string;
  summary: ReplaySummary;
  seconds: number;
}

async function loadTrace(t: BenchTrace): Promise<Series> {
  const { series } = await readHistoryFile({ file: tracePath(t), valueColumn: t.valueColumn, timeColumn: t.timeColumn, stepMs: t.stepMs, resampleMs: t.resampleMs });
  return series;
}

function verdicts(trace: BenchTrace, rows: Row[]): string[] {
  const mine = rows.find((r) => r.label === 'shadowscale')?.summary;
  if (!mine) return [];
  const out: string[] = [];
  const dominating = rows.filter((r) => r.label !== 'shadowscale' && r.summary.cost < mine.cost && r.summary.servedPct > mine.servedPct);
  out.push(`- ${trace.id}: no reference controller dominates shadowscale (cheaper and serving more): ${dominating.length === 0 ? 'met' : `NOT met (${dominating.map((r) => r.label).join(', ')})`}`);
  if (trace.shape === 'smooth-daily') {
    const ok = mine.servedPct >= 99.9 && mine.costVsOracle <= 1.35;
    out.push(`- ${trace.id}: served >= 99.9 % at <= 1.35 x oracle: ${ok ? 'met' : 'NOT met'} (served ${mine.servedPct.toFixed(3)} %, ${mine.costVsOracle.toFixed(3)} x oracle)`);
  }
  if (trace.shape === 'bursty') {
    const r6 = rows.find((r) => r.label === 'reactive 0.6')?.summary;
    const r4 = rows.find((r) => r.label === 'reactive 0.4')?.summary;
    if (r6 && r4) {
      out.push(`- ${trace.id}: serves more than reactive 0.6 (${mine.servedPct.toFixed(3)} vs ${r6.servedPct.toFixed(3)} %): ${mine.servedPct > r6.servedPct ? 'met' : 'NOT met'}; costs less than reactive 0.4 (${mine.costVsOracle.toFixed(3)} vs ${r4.costVsOracle.toFixed(3)} x oracle): ${mine.cost < r4.cost ? 'met' : 'NOT met'}`);
    }
  }
  return out;
}

/** 30 days at 1-minute steps of generated demand: a daily cycle, a weekly one, noise, bursts. */
export function generatedMonth(seed = 7): Series {
  const stepMs = 60_000;
  const n = 30 * 1440;
  const values = new Float64Array(n);
  let s = seed >>> 0;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  for (let i = 0; i < n; i++) {
    const day = (i % 1440) / 1440;
    const week = Math.floor(i / 1440) % 7;
    const base = 100 + 60 * Math.sin(2 * Math.PI * (day - 0.3)) * (week >= 5 ? 0.6 : 1);
    values[i] = Math.max(0, base * (1 + 0.05 * (rand() - 0.5)) + (rand() < 0.002 ? 80 * rand() : 0));
  }
  return { name: 'generated-30d-1m', startMs: Date.UTC(2026, 0, 1), stepMs, values };
}

export async function runReplayBench(only: string[] = []): Promise<string> {
  const lines: string[] = ['## Replay: served demand and cost against the oracle', ''];
  lines.push('Command: `node --import tsx bench/replay.ts` (or `npm run bench -- replay`). Fleet model of DESIGN.md: new VM 4 min, resume 1 min, start 2 min; price per VM-minute running 1.0, suspended 0.08, stopped 0.04; capacity per VM = the trace\'s 99th percentile / 40; the first day of each trace is history only (warm-up), the rest is scored; shadowscale ticks every 15 min.', '');
  lines.push('| trace | controller | served % | cost / oracle | short steps | mean running VMs | replay s |', '|---|---|---:|---:|---:|---:|---:|');
  const rows: Row[] = [];
  const notes: string[] = [];
  for (const trace of BENCH_TRACES) {
    if (only.length && !only.includes(trace.id)) continue;
    if (!existsSync(tracePath(trace))) {
      notes.push(`- ${trace.id}: trace file missing (${tracePath(trace)}), skipped`);
      continue;
    }
    const series = await loadTrace(trace);
    const capacityPerVm = percentile(series.values, 0.99) / 40;
    const traceRows: Row[] = [];
    for (const c of BENCH_CONTROLLERS) {
      const t0 = performance.now();
      const result = replay(series, { ...c.opts, capacityPerVm });
      const seconds = (performance.now() - t0) / 1000;
      const row = { trace, label: c.label, summary: result.summary, seconds };
      traceRows.push(row);
      lines.push(`| ${trace.id} | ${c.label} | ${result.summary.servedPct.toFixed(3)} | ${result.summary.costVsOracle.toFixed(3)} | ${result.summary.shortSteps} | ${result.summary.meanRunning} | ${seconds.toFixed(1)} |`);
      process.stderr.write(`replay ${trace.id} ${c.label}: served ${result.summary.servedPct.toFixed(3)} % cost ${result.summary.costVsOracle.toFixed(3)} x oracle (${seconds.toFixed(1)} s)\n`);
    }
    rows.push(...traceRows);
    notes.push(...verdicts(trace, traceRows));
  }
  lines.push('', '### Targets', '', ...notes);
  if (!only.length || only.includes('speed')) {
    const month = generatedMonth();
    const t0 = performance.now();
    const r = replay(month, { controller: 'shadowscale', capacityPerVm: percentile(month.values, 0.99) / 40 });
    const seconds = (performance.now() - t0) / 1000;
    lines.push('', '### Speed', '', `shadowscale replay of 30 days at 1-minute steps (${month.values.length} steps, generated demand): ${seconds.toFixed(1)} s (target < 30 s: ${seconds < 30 ? 'met' : 'NOT met'}); served ${r.summary.servedPct.toFixed(3)} %, ${r.summary.costVsOracle.toFixed(3)} x oracle.`);
  }
  return lines.join('\n');
}

if (require.main === module) {
  runReplayBench(process.argv.slice(2)).then(
    (md) => process.stdout.write(`${md}\n`),
    (err) => {
      process.stderr.write(`bench/replay: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
