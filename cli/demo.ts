/**
 * `shadowscale demo` (`npm start`): the whole product once, on the embedded defaults, with no
 * cloud: the bundled sample history is backtested, then one tick runs end to end (history,
 * forecast, plan, applied to the fleet simulator, records in .shadowscale/), and the offline
 * preview a pull request would get is printed.
 */
import { join } from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../automation/config';
import { readOnce, type EventSink } from '../automation/ports';
import { createLogger, loggerSink } from '../automation/log';
import { buildPreview } from '../automation/modes/preview';
import { resolvePlanClock } from '../automation/modes/clock';
import { SimDeployer } from '../automation/sim/deployer';
import { horizonSteps, runOnce } from '../automation/modes/run-once';
import { abortOnSignals } from '../automation/modes/signals';
import { buildRunContext, forecastFn, historyFor, offlinePreviewFn, planFn } from '../automation/modes/wiring';
import { renderPrMarkdown, forecastLine } from '../automation/render/pr-markdown';
import { formatDuration } from '../automation/duration';
import { runBacktest } from './backtest';

export const EMBEDDED_CONFIG = join(__dirname, '..', 'examples', 'shadowscale.yaml');

export function demoCommand(): Command {
  return new Command('demo')
    .description('one full tick on the embedded defaults: backtest the bundled history, forecast, plan, apply to the simulator, print the offline preview')
    .option('--config <file>', 'configuration (default: the bundled example)', EMBEDDED_CONFIG)
    .option('--verbose', 'also print every log event (JSON on stderr)')
    .action(async (flags: { config: string; verbose?: boolean }) => {
      const out = process.stdout;
      const config = loadConfig(flags.config);
      // Events go to the log only when asked: the demo prints its own summary for people.
      const logger = flags.verbose ? loggerSink(createLogger({ labels: { command: 'demo' } })) : undefined;
      const sink: EventSink = { emit: (e) => logger?.emit(e) };
      const shutdown = abortOnSignals(process, sink);
      try {
        out.write(`shadowscale demo on ${flags.config} (no cloud: fleet simulator and offline preview)\n\n`);
        for (const w of config.workloads) {
          if (w.history.source !== 'file' || !w.history.file || !w.history.valueColumn) continue;
          const { stepMs } = await readOnce(historyFor(w), { signal: shutdown.signal });
          const steps = horizonSteps(w.horizonSec, stepMs);
          out.write(`## 1. Backtest of ${w.name}'s history (${w.history.file}), horizon ${formatDuration(w.horizonSec * 1000)}\n`);
          await runBacktest({
            history: w.history.file, valueColumn: w.history.valueColumn, timeColumn: w.history.timeColumn,
            step: w.history.stepSec ? `${w.history.stepSec}s` : undefined, resample: w.history.resampleSec ? `${w.history.resampleSec}s` : undefined,
            horizon: String(steps), origins: '12', quantiles: config.quantiles.join(','), format: 'table',
          }, out);
          out.write('\n');
        }

        const planned = await resolvePlanClock(config, historyFor, shutdown.signal);
        let nowMs = planned.clock.now().getTime();
        const clock = { now: () => new Date(nowMs) };
        const ctx = await buildRunContext({ config, deployerKind: 'sim', mode: 'apply', sink, clock });
        // Between ticks the simulated demand stays at its last observed level.
        const lastDemand = new Map<string, number>();
        for (const w of config.workloads) {
          const s = await readOnce(historyFor(w), { end: clock.now(), signal: shutdown.signal });
          for (let i = s.values.length - 1; i >= 0; i--) if (Number.isFinite(s.values[i])) { lastDemand.set(w.name, s.values[i]); break; }
        }
        const sim = new SimDeployer({ config, clock, demand: (w) => lastDemand.get(w) ?? 0 });
        ctx.deployer = sim;
        out.write(`## 2. One tick, applied to the fleet simulator${planned.note ? ` (${planned.note})` : ''}\n`);
        try {
          const results = await runOnce(ctx, shutdown.signal);
          for (const r of results) {
            out.write(`\n### ${r.workload}: ${r.ok ? (r.applied ? `applied, ${r.changes.filter((c) => c.op !== 'same').length} change(s)` : 'not applied') : `FAILED: ${r.error}`}\n`);
            if (r.forecastSummary) out.write(`${forecastLine(r.forecastSummary).replace(/\*\*/g, '')}\n`);
            for (const d of r.decisions) out.write(`- ${d.code}${d.generation ? ` (${d.generation})` : ''}: ${d.message}\n`);
            for (const w of r.warnings) out.write(`! ${w}\n`);
          }
          const settleMs = Math.max(...config.workloads.map((w) => w.latencies.bootSec)) * 1000 + 60_000;
          nowMs += settleMs;
          const state = await sim.state({ signal: shutdown.signal });
          out.write(`\nThe simulated fleet ${formatDuration(settleMs)} later, once new VMs have booted (running / suspended / stopped, weight):\n`);
          for (const w of state.workloads) {
            for (const g of w.generations) out.write(`  ${w.workload}/${g.name} (${g.role}, ${g.state}): ${g.running} / ${g.suspended} / ${g.stopped}, weight ${g.weight}\n`);
          }
          out.write(`Records (models, forecasts, decisions): ${config.recordsPath}\n\n`);
          if (results.some((r) => !r.ok)) process.exitCode = 1;
        } finally {
          await ctx.close();
        }

        out.write('## 3. The offline preview a pull request would get (stack program under Pulumi mocks)\n\n');
        const preview = await buildPreview({
          config, clock: planned.clock, history: historyFor, forecast: forecastFn, plan: planFn(config), sink,
          changes: { kind: 'offline', offlinePreview: offlinePreviewFn(config) },
        }, shutdown.signal);
        out.write(renderPrMarkdown(preview));
      } finally {
        shutdown.dispose();
      }
    });
}
