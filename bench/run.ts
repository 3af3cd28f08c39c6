/**
 * `npm run bench`: every benchmark, on the traces in ../shared/traces (or $SHADOWSCALE_TRACES),
 * written to BENCHMARKS.md with the command that reproduces each table.
 * `npm run bench -- forecast` (or replay, speed) runs one part and prints it without rewriting the file.
 * `npm run bench -- prophet` measures the opt-in Prophet candidate (slow: minutes per bursty trace).
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative } from 'node:path';
import { runForecastBench, runProphetBench } from './forecast';
import { runForecastSpeedBench } from './forecast-speed';
import { runReplayBench } from './replay';
import { TRACES_DIR } from './traces';

const parts: Record<string, () => Promise<string>> = {
  forecast: () => runForecastBench(),
  speed: runForecastSpeedBench,
  replay: () => runReplayBench(),
};
/** Run only when named. */
const optIn: Record<string, () => Promise<string>> = {
  prophet: () => runProphetBench(),
};

async function main(): Promise<void> {
  const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const all = { ...parts, ...optIn };
  for (const name of only) if (!all[name]) throw new Error(`unknown benchmark "${name}"; expected one of ${Object.keys(all).join(', ')}`);
  const chosen = only.length ? only : Object.keys(parts);
  const sections: string[] = [];
  for (const name of chosen) {
    process.stderr.write(`bench: ${name}...\n`);
    sections.push(await all[name]());
  }
  const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}`;
  const text = [
    '# Benchmarks',
    '',
    `Measured by \`npm run bench\` on ${machine}, on the traces in \`${relative(join(__dirname, '..'), TRACES_DIR)}\``,
    '(see ../shared/traces/README.md for their sources: Numenta Anomaly Benchmark; Hadary et al., Azure',
    'Public Dataset; Alibaba cluster-trace-v2018; Zenodo 10.5281/zenodo.14564847; facebook/prophet examples).',
    `Generated ${new Date().toISOString().slice(0, 10)}. Every figure below is what the command measured; nothing is edited by hand.`,
    '',
    ...sections,
  ].join('\n');
  if (only.length) process.stdout.write(`${text}\n`);
  else {
    writeFileSync(join(__dirname, '..', 'BENCHMARKS.md'), `${text}\n`);
    process.stderr.write('bench: wrote BENCHMARKS.md\n');
  }
}

main().catch((err) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
