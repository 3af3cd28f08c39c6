/**
 * `shadowscale run`: the loop. Each tick is one runOnce with its own AbortSignal and timeout;
 * SIGTERM/SIGINT cancel the running tick cleanly (in-flight `pulumi up` included) and end it.
 */
import { Command, Option } from 'commander';
import { loadConfig } from '../automation/config';
import { parseDuration } from '../automation/duration';
import { inputError } from '../automation/errors';
import { createLogger, loggerSink } from '../automation/log';
import { runLoop } from '../automation/modes/loop';
import { runOnce } from '../automation/modes/run-once';
import { abortOnSignals } from '../automation/modes/signals';
import { buildRunContext } from '../automation/modes/wiring';

interface RunFlags {
  config: string;
  once?: boolean;
  every?: string;
  deployer?: 'pulumi' | 'sim';
  previewOnly?: boolean;
  tickTimeout?: string;
}

export function runCommand(): Command {
  return new Command('run')
    .description('forecast, plan and apply every workload, once or on a period')
    .requiredOption('--config <file>', 'shadowscale.yaml')
    .option('--once', 'run one tick and exit (non-zero when a workload failed)')
    .option('--every <dur>', 'period between tick starts, e.g. 5m (default: the config tick)')
    .addOption(new Option('--deployer <kind>', 'apply with Pulumi or the simulator (default: the config)').choices(['pulumi', 'sim']))
    .option('--preview-only', 'ask the deployer what would change; apply nothing')
    .option('--tick-timeout <dur>', 'cancel a tick still running after this (default: the period)')
    .action(async (flags: RunFlags) => {
      if (flags.once && flags.every) throw inputError('input.flag', { field: '--once/--every' }, 'give either --once or --every, not both');
      const config = loadConfig(flags.config);
      const everyMs = flags.every ? parseDuration(flags.every, '--every') : config.tickSec * 1000;
      const tickTimeoutMs = flags.tickTimeout ? parseDuration(flags.tickTimeout, '--tick-timeout') : everyMs;
      const sink = loggerSink(createLogger({ labels: { command: 'run' } }));
      const shutdown = abortOnSignals(process, sink);
      const ctx = await buildRunContext({ config, deployerKind: flags.deployer ?? config.deployer.kind, mode: flags.previewOnly ? 'preview' : 'apply', sink });
      // No maxRunMs: a loop's tick says nothing about how long another host's run (a Cloud Run
      // task with a longer timeout) may hold a lock, so a loop never cancels a lock by its age.
      if (ctx.note) sink.emit({ code: 'run.clock', severity: 'NOTICE', message: ctx.note });
      let lastFailed = false;
      try {
        await runLoop(async (signal) => {
          const results = await runOnce(ctx, signal);
          lastFailed = results.some((r) => !r.ok);
        }, { everyMs, tickTimeoutMs, signal: shutdown.signal, sink, maxTicks: flags.once ? 1 : undefined });
      } finally {
        shutdown.dispose();
        await ctx.close();
      }
      if (flags.once && lastFailed) process.exitCode = 1;
    });
}
