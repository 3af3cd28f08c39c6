/**
 * `shadowscale preview`: the PR comment. Plans the base and the new configuration from the
 * same forecasts and shows, per workload, the forecast, the planned generations with their
 * reasons, the resource changes and the cost per hour.
 */
import { Command, Option } from 'commander';
import { loadConfig, parseConfig } from '../automation/config';
import { createLogger, loggerSink } from '../automation/log';
import { resolvePlanClock } from '../automation/modes/clock';
import { buildPreview, readFileAtRef } from '../automation/modes/preview';
import { abortOnSignals } from '../automation/modes/signals';
import { createDeployer, forecastFn, historyFor, offlinePreviewFn, planFn, registryHooks } from '../automation/modes/wiring';
import { renderPrMarkdown } from '../automation/render/pr-markdown';
import type { Deployer } from '../automation/ports';
import { DuckDbRecordsStore } from '../automation/adapters/records-duckdb';
import { describeError } from '../automation/errors';

interface PreviewFlags {
  config: string;
  base?: string;
  offline?: boolean;
  format: 'markdown' | 'json';
}

export function previewCommand(): Command {
  return new Command('preview')
    .description('what merging this configuration would change, as a PR comment')
    .requiredOption('--config <file>', 'shadowscale.yaml')
    .option('--base <ref>', 'git ref of the base configuration, e.g. origin/main')
    .option('--offline', 'resource changes from the stack program under Pulumi mocks (no cloud, no credentials)')
    .addOption(new Option('--format <format>', 'output').choices(['markdown', 'json']).default('markdown'))
    .action(async (flags: PreviewFlags) => {
      const config = loadConfig(flags.config);
      const baseText = flags.base ? await readFileAtRef(flags.base, config.file) : undefined;
      const baseConfig = baseText === undefined ? undefined : parseConfig(baseText, `${config.file}@${flags.base}`);
      const sink = loggerSink(createLogger({ labels: { command: 'preview' } }));
      const shutdown = abortOnSignals(process, sink);
      let deployer: Deployer | undefined;
      let records: DuckDbRecordsStore | undefined;
      try {
        const { clock, note } = await resolvePlanClock(config, historyFor, shutdown.signal);
        if (note) sink.emit({ code: 'run.clock', severity: 'NOTICE', message: note });
        deployer = flags.offline ? undefined : createDeployer({ config, kind: 'pulumi', workloads: config.workloads.map((w) => w.name), clock, sink });
        // The registry a tick keeps, read only, so the comment shows the model a tick would use.
        records = await DuckDbRecordsStore.openReadOnly(config.recordsPath).catch((error: unknown) => {
          sink.emit({ code: 'preview.no-registry', severity: 'WARNING', message: `model registry not read (${describeError(error)}): models are selected afresh, as for a workload with no recorded model` });
          return undefined;
        });
        const preview = await buildPreview({
          config,
          baseConfig,
          baseRef: flags.base,
          clock,
          history: historyFor,
          forecast: forecastFn,
          models: records ? registryHooks(records) : undefined,
          plan: planFn(config),
          sink,
          changes: deployer ? { kind: 'pulumi', deployer } : { kind: 'offline', offlinePreview: offlinePreviewFn(config, baseConfig) },
        }, shutdown.signal);
        process.stdout.write(flags.format === 'json' ? JSON.stringify(preview, null, 2) + '\n' : renderPrMarkdown(preview));
        if (preview.workloads.some((w) => w.error)) process.exitCode = 1;
      } finally {
        await deployer?.close?.();
        await records?.close();
        shutdown.dispose();
      }
    });
}
