import { Command } from 'commander';
import { loadConfig } from '../automation/config';

export function validateCommand(): Command {
  return new Command('validate')
    .description('validate a shadowscale.yaml and print its workloads')
    .requiredOption('--config <file>', 'configuration file')
    .action((opts: { config: string }) => {
      const c = loadConfig(opts.config);
      process.stdout.write(`${opts.config}: valid; ${c.workloads.length} workload(s): ${c.workloads.map((w) => w.name).join(', ')}; deployer ${c.deployer.kind}\n`);
    });
}
