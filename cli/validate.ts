import { Command } from 'commander';
import { validateConfigFile } from '../automation/config';

export function validateCommand(): Command {
  return new Command('validate')
    .description('validate a shadowscale.yaml (schema, planner checks, and that every history file and column exists) and print its workloads')
    .requiredOption('--config <file>', 'configuration file')
    .action(async (opts: { config: string }) => {
      const c = await validateConfigFile(opts.config);
      process.stdout.write(`${opts.config}: valid; ${c.workloads.length} workload(s): ${c.workloads.map((w) => w.name).join(', ')}; deployer ${c.deployer.kind}\n`);
    });
}
