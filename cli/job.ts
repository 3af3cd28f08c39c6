/**
 * `shadowscale job`: the Cloud Run job entry. Each task takes its shard of the workloads
 * (CLOUD_RUN_TASK_INDEX / CLOUD_RUN_TASK_COUNT), runs one tick, and exits non-zero only when
 * a workload truly failed, so Cloud Run's task retries are spent on real failures.
 */
import { Command, Option } from 'commander';
import { loadConfig } from '../automation/config';
import { parseDuration } from '../automation/duration';
import { inputError } from '../automation/errors';
import { createLogger, loggerSink } from '../automation/log';
import { jobExitCode, shardWorkloads, taskFromEnv } from '../automation/modes/job';
import { runOnce } from '../automation/modes/run-once';
import { abortOnSignals } from '../automation/modes/signals';
import { buildRunContext } from '../automation/modes/wiring';

interface JobFlags {
  config?: string;
  deployer?: 'pulumi' | 'sim';
  taskTimeout: string;
}

/** Cloud Run sends SIGTERM about 10 s before SIGKILL; stop the tick well before the task timeout. */
const SHUTDOWN_MARGIN_MS = 30_000;
/** A lock may outlive its task by the time a cancelled `pulumi up` takes to let go of it. */
const LOCK_GRACE_MS = 60_000;

export function jobCommand(): Command {
  return new Command('job')
    .description('one tick for this Cloud Run task\'s shard of the workloads')
    .option('--config <file>', 'shadowscale.yaml (default: $SHADOWSCALE_CONFIG)')
    .addOption(new Option('--deployer <kind>', 'default: the config').choices(['pulumi', 'sim']))
    .addOption(new Option('--task-timeout <dur>', `the Cloud Run task timeout; the tick is cancelled ${SHUTDOWN_MARGIN_MS / 1000} s before it, and a stack lock older than it plus ${LOCK_GRACE_MS / 1000} s counts as abandoned`).env('SHADOWSCALE_TASK_TIMEOUT').default('10m'))
    .action(async (flags: JobFlags) => {
      const file = flags.config ?? process.env.SHADOWSCALE_CONFIG;
      if (!file) throw inputError('input.flag', { field: '--config / SHADOWSCALE_CONFIG' }, 'expected the path of shadowscale.yaml');
      const config = loadConfig(file);
      const taskTimeoutMs = parseDuration(flags.taskTimeout, '--task-timeout');
      const task = taskFromEnv(process.env);
      const workloads = shardWorkloads(config.workloads.map((w) => w.name), task.index, task.count);
      const sink = loggerSink(createLogger({ labels: { command: 'job', task: `${task.index}/${task.count}` } }));
      sink.emit({ code: 'job.shard', severity: 'INFO', message: `task ${task.index} of ${task.count}: ${workloads.length} workload(s): ${workloads.join(', ') || 'none'}` });
      const shutdown = abortOnSignals(process, sink);
      const ctx = await buildRunContext({ config, deployerKind: flags.deployer ?? config.deployer.kind, mode: 'apply', workloads, sink, maxRunMs: taskTimeoutMs + LOCK_GRACE_MS, ephemeralDisk: true });
      const signal = AbortSignal.any([shutdown.signal, AbortSignal.timeout(Math.max(1_000, taskTimeoutMs - SHUTDOWN_MARGIN_MS))]);
      try {
        const results = await runOnce(ctx, signal);
        process.exitCode = jobExitCode(results);
      } finally {
        shutdown.dispose();
        await ctx.close();
      }
    });
}
