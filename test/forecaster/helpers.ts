/** Generated series for the forecaster tests: seeded, so every run sees the same data. */
import type { Series } from '../../forecaster/types';

/** Mulberry32: a small seeded PRNG, enough for test noise. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

export interface GenOptions {
  length: number;
  stepMs: number;
  /** Amplitudes by period in steps, e.g. {24: 30, 168: 15}. */
  seasons?: Record<number, number>;
  level?: number;
  noise?: number;
  seed?: number;
}

export function generate(opts: GenOptions): Series {
  const rand = rng(opts.seed ?? 1);
  const values = new Float64Array(opts.length);
  for (let i = 0; i < opts.length; i++) {
    let v = opts.level ?? 100;
    for (const [p, a] of Object.entries(opts.seasons ?? {})) v += a * Math.sin((2 * Math.PI * i) / Number(p));
    values[i] = v + (opts.noise ?? 0) * gaussian(rand);
  }
  return { name: 'generated', startMs: Date.UTC(2024, 0, 1), stepMs: opts.stepMs, values };
}

export const HOUR = 3_600_000;
