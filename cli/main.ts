/**
 * The `shadowscale` command line. Each command lives in its own module; this file only wires
 * them and turns errors into one clear line and an exit code (2: bad input or config, 1: other).
 */
import { Command, CommanderError } from 'commander';
import { ShadowscaleError, describeError } from '../automation/errors';
import { backtestCommand } from './backtest';
import { demoCommand } from './demo';
import { forecastCommand } from './forecast';
import { jobCommand } from './job';
import { previewCommand } from './preview';
import { replayCommand } from './replay';
import { runCommand } from './run';
import { validateCommand } from './validate';

export function buildProgram(): Command {
  const program = new Command('shadowscale')
    .description('Scale Google Cloud services before demand arrives: calibrated forecasts, shadow MIGs with standby pools, applied with the Pulumi Automation API.')
    .version(require('../package.json').version as string)
    .showHelpAfterError();
  for (const command of [demoCommand(), forecastCommand(), backtestCommand(), replayCommand(), runCommand(), jobCommand(), previewCommand(), validateCommand()]) {
    program.addCommand(command);
  }
  // A bad flag is bad input like any other: exit 2 and the same `shadowscale:` line, not
  // commander's own exit 1 and "error:" prefix.
  for (const cmd of [program, ...program.commands]) {
    cmd.exitOverride().configureOutput({ outputError: (text, write) => write(`shadowscale: ${text.replace(/^error: /, '')}`) });
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    // Commander has already written its line (and help where it helps); 0 for --help/--version.
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    // Several config problems come one per line: each gets the prefix, so each reads alone.
    process.stderr.write(describeError(err).split('\n').map((line) => `shadowscale: ${line}\n`).join(''));
    if (process.env.SHADOWSCALE_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return err instanceof ShadowscaleError && (err.kind === 'input' || err.kind === 'config') ? 2 : 1;
  }
}

if (require.main === module) {
  main(process.argv).then((code) => { process.exitCode = code; });
}
