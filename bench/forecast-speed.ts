/**
 * Forecast speed: one workload with 14 days of 1-minute history (20,160 points, generated with
 * daily and weekly seasons and noise): the full `forecast` call (season detection, every
 * candidate fitted, calibration, selection), median over repeats; then 1,000 such workloads on
 * worker threads, one per core. Run alone: node --import tsx bench/forecast-speed.ts [workloads]
 */
import { cpus } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { forecast } from '../forecaster';
import type { Series } from '../forecaster/types';

const POINTS = 20_160;
const STEP_MS = 60_000;
const HORIZON = 60;
const QUANTILES = [0.5, 0.9, 0.95, 0.99];

/** Seeded generator so every run measures the same work. */
export function workloadSeries(seed: number): Series {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const level = 50 + 100 * rand();
  const values = new Float64Array(POINTS);
  for (let i = 0; i < POINTS; i++) {
    const daily = 0.3 * level * Math.sin((2 * Math.PI * i) / 1440);
    const weekly = 0.1 * level * Math.sin((2 * Math.PI * i) / 10_080);
    values[i] = Math.max(0, level + daily + weekly + 0.05 * level * (rand() + rand() + rand() - 1.5));
  }
  return { name: `workload-${seed}`, startMs: Date.UTC(2024, 0, 1), stepMs: STEP_MS, values };
}

async function forecastMany(from: number, to: number): Promise<number> {
  let sum = 0;
  for (let s = from; s < to; s++) {
    const f = await forecast(workloadSeries(s), { horizon: HORIZON, quantiles: QUANTILES });
    sum += f.quantiles['0.95']![0]!;
  }
  return sum;
}

export async function runForecastSpeedBench(workloads = 1000): Promise<string> {
  // Single workload: the first call pays for loading WASM; it is reported separately.
  const t0 = performance.now();
  await forecast(workloadSeries(0), { horizon: HORIZON, quantiles: QUANTILES });
  const cold = performance.now() - t0;
  const times: number[] = [];
  for (let r = 1; r <= 15; r++) {
    const s = workloadSeries(r);
    const t = performance.now();
    await forecast(s, { horizon: HORIZON, quantiles: QUANTILES });
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;

  const threads = Math.max(1, cpus().length);
  const started = performance.now();
  const per = Math.ceil(workloads / threads);
  await Promise.all(
    Array.from({ length: threads }, (_, i) =>
      new Promise<void>((resolve, reject) => {
        // The worker registers tsx's CommonJS hook itself, then loads this file as the worker body.
        const w = new Worker(`require('tsx/cjs'); require(${JSON.stringify(__filename)});`, { eval: true, workerData: { from: 1000 + i * per, to: 1000 + Math.min(workloads, (i + 1) * per) } });
        w.once('message', () => resolve());
        w.once('error', reject);
        w.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker exited with ${code}`))));
      }),
    ),
  );
  const manySeconds = (performance.now() - started) / 1000;
  return [
    '## Forecast speed',
    '',
    `Command: \`node --import tsx bench/forecast-speed.ts\`. One workload = 14 days of 1-minute history (${POINTS} points, daily + weekly seasons, noise);`,
    `one call of \`forecast\` with horizon ${HORIZON} steps and quantiles ${QUANTILES.join(', ')}: season detection, every default candidate fitted, calibration on`,
    '200 rolling origins, selection.',
    '',
    '| measure | result | target |',
    '|---|---|---|',
    `| first call (loads WASM) | ${cold.toFixed(0)} ms | - |`,
    `| median of 15 calls | ${median.toFixed(0)} ms | < 200 ms |`,
    `| ${workloads} workloads on ${threads} worker threads | ${manySeconds.toFixed(1)} s | < 180 s |`,
    '',
  ].join('\n');
}

if (!isMainThread && workerData && typeof (workerData as { from?: unknown }).from === 'number') {
  const { from, to } = workerData as { from: number; to: number };
  forecastMany(from, to).then(() => parentPort!.postMessage('done'), (err) => { throw err; });
} else if (require.main === module) {
  const n = Number(process.argv[2] ?? 1000);
  runForecastSpeedBench(n).then((md) => process.stdout.write(md), (err) => {
    process.stderr.write(`bench speed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
}
