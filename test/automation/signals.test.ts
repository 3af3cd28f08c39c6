/**
 * A workload sized on two signals, through a tick and through the PR preview: every signal is
 * read and forecast, and the planner gets one forecast in the first signal's units.
 */
import assert from 'node:assert/strict';
import type { Series } from '../../forecaster/types';
import type { HistoryConfig, SignalConfig, WorkloadConfig } from '../../automation/config-types';
import type { HistorySource } from '../../automation/ports';
import { ShadowscaleError } from '../../automation/errors';
import { runOnce, type ModelRegistryHooks, type RunContext } from '../../automation/modes/run-once';
import { buildPreview } from '../../automation/modes/preview';
import { resolvePlanClock } from '../../automation/modes/clock';
import { planFn } from '../../automation/modes/wiring';
import { FakeDeployer } from '../fakes/fake-deployer';
import { CollectingSink, MemoryRecords, NOW, fixedClock, flatForecast, generation, shadowscaleConfig, stubPlanner, workloadConfig, workloadPlan } from './helpers';

const STEP = 60_000;
const fileHistory = (column: string): HistoryConfig => ({ source: 'file', file: 'web.csv', valueColumn: column, timeColumn: 'time' });

/** web sized on requests (100 per VM) and, when `withCpu`, CPU (1 per VM). */
function webConfig(withCpu: boolean) {
  const signals: SignalConfig[] = [{ name: 'requests', capacityPerVm: 100, history: fileHistory('requests') }];
  if (withCpu) signals.push({ name: 'cpu', capacityPerVm: 1, history: fileHistory('cpu') });
  return shadowscaleConfig(['web'], { workloads: [workloadConfig('web', { history: fileHistory('requests'), signals })] });
}

/**
 * Flat demand per signal column, ending `lagMs` before NOW: 300 requests/s (3 VMs' worth) and
 * 12 CPU (12 VMs' worth). Records which signals were read.
 */
function histories(reads: string[], lagMs: Record<string, number> = {}): (w: WorkloadConfig, s?: SignalConfig) => HistorySource {
  const level: Record<string, number> = { requests: 300, cpu: 12 };
  return (w, s) => ({
    read: async () => {
      const column = (s?.history ?? w.history).valueColumn!;
      reads.push(column);
      const points = 120;
      const lastMs = NOW.getTime() - STEP - (lagMs[column] ?? 0);
      const series: Series = { name: `${w.name}.csv:${column}`, startMs: lastMs - (points - 1) * STEP, stepMs: STEP, values: new Float64Array(points).fill(level[column]) };
      return series;
    },
  });
}

function context(config: ReturnType<typeof webConfig>, overrides: Partial<RunContext> = {}): RunContext & { deployer: FakeDeployer; records: MemoryRecords; sink: CollectingSink } {
  const clock = fixedClock();
  return {
    config, clock, deployer: new FakeDeployer(clock), history: histories([]), forecast: flatForecast, plan: planFn(config),
    records: new MemoryRecords(), sink: new CollectingSink(), mode: 'apply', ...overrides,
  } as RunContext & { deployer: FakeDeployer; records: MemoryRecords; sink: CollectingSink };
}

/** The running floor the planner sets on the primary (minReplicas stays low; schedules hold the floor). */
const primaryFloor = (ctx: { deployer: FakeDeployer }) => ctx.deployer.appliedPlan('web')!.generations.find((g) => g.role === 'primary')!.running;

describe('several signals per workload', () => {
  it('GIVEN CPU needs more VMs than requests WHEN a tick runs THEN the primary floor follows the CPU need and the event says CPU binds', async () => {
    const reads: string[] = [];
    const two = context(webConfig(true), { history: histories(reads) });
    const one = context(webConfig(false), { history: histories([]) });

    const [r2] = await runOnce(two, new AbortController().signal);
    const [r1] = await runOnce(one, new AbortController().signal);

    assert.equal(r2.ok, true, r2.error);
    assert.deepEqual(reads, ['requests', 'cpu'], 'each signal history is read');
    const floorOne = primaryFloor(one);
    const floorTwo = primaryFloor(two);
    // Requests alone: ~3 VMs' worth at 60 % utilisation; CPU: 12 VMs' worth at 60 %.
    assert.ok(floorOne <= 10, `requests alone need few VMs (floor ${floorOne})`);
    assert.ok(floorTwo >= Math.ceil(12 / 0.6), `the floor follows the CPU need (floor ${floorTwo})`);
    assert.equal(r2.forecastSummary?.bindingAtPeak, 'cpu');
    assert.deepEqual(r2.forecastSummary?.signals?.map((s) => [s.name, s.model]), [['requests', 'stub-flat'], ['cpu', 'stub-flat']]);
    assert.equal(r1.forecastSummary?.bindingAtPeak, undefined, 'one signal: the summary is as before');
    const made = two.sink.events.find((e) => e.code === 'forecast.made')!;
    assert.equal(made.data?.bindingAtPeak, 'cpu');
    assert.match(made.message, /follow signal cpu/);
  });

  it('GIVEN two signals and a model registry WHEN a tick runs THEN models are chosen and recorded per signal, the first under the bare workload name', async () => {
    const chosen: string[] = [];
    const recorded: string[] = [];
    const models: ModelRegistryHooks = {
      choose: async (key) => {
        chosen.push(key);
        return { decision: { retrain: true, reason: 'no-model', message: 'no model yet' } };
      },
      record: async (key, _s, f) => {
        recorded.push(key);
        return { version: 1, kind: f.model };
      },
    };
    const ctx = context(webConfig(true), { history: histories([]), models, plan: stubPlanner() });

    await runOnce(ctx, new AbortController().signal);

    assert.deepEqual(chosen, ['web', 'web/cpu']);
    assert.deepEqual(recorded, ['web', 'web/cpu']);
    assert.deepEqual(ctx.records.forecasts.map((f) => f.workload), ['web', 'web/cpu'], 'each signal forecast is kept for its accuracy trigger');
    assert.equal(ctx.records.forecasts[1].forecast.quantiles['0.5'][0], 12 * 1.5, 'in the signal own units');
  });

  it('GIVEN the second signal history cannot be read WHEN a tick runs THEN the forecast stage fails naming the signal and nothing is applied', async () => {
    const good = histories([]);
    const ctx = context(webConfig(true), {
      history: (w, s) => (s?.name === 'cpu' ? { read: async () => { throw new ShadowscaleError('input', 'input.column', 'web.csv: column "cpu" not found'); } } : good(w, s)),
    });

    const [web] = await runOnce(ctx, new AbortController().signal);

    assert.equal(web.ok, false);
    assert.equal(web.errorKind, 'input');
    assert.equal(web.error, 'forecast: signal "cpu": web.csv: column "cpu" not found');
    assert.equal(ctx.deployer.calls.filter((c) => c.method === 'apply').length, 0);
  });

  it('GIVEN the second signal history stopped an hour ago WHEN a tick runs THEN the oldest history governs and the planner holds', async () => {
    const ctx = context(webConfig(true), { history: histories([], { cpu: 3_600_000 }) });
    ctx.deployer.seed(workloadPlan('web', [generation('web-g1', { running: 4, minReplicas: 4 })]));

    const [web] = await runOnce(ctx, new AbortController().signal);

    assert.deepEqual(web.decisions.map((d) => d.code), ['hold.stale-forecast']);
    assert.equal(web.applied, false);
    assert.ok(ctx.sink.codes().includes('forecast.stale'));
  });

  it('GIVEN two signals WHEN the PR preview is built THEN the planner gets the same combined forecast as a tick', async () => {
    const config = webConfig(true);
    const previewPlanner = stubPlanner();
    const tickPlanner = stubPlanner();

    const preview = await buildPreview({
      config, clock: fixedClock(), history: histories([]), forecast: flatForecast, plan: previewPlanner, sink: new CollectingSink(),
      changes: { kind: 'offline', offlinePreview: async () => ({ changes: [] }) },
    }, new AbortController().signal);
    await runOnce(context(config, { plan: tickPlanner, history: histories([]) }), new AbortController().signal);

    const previewed = previewPlanner.inputs.at(-1)!.forecasts.web;
    assert.deepEqual(previewed, tickPlanner.inputs[0].forecasts.web);
    // CPU 12 at 1 per VM is 1200 requests' worth: the combined median is CPU's, in request units.
    assert.equal(previewed.quantiles['0.5'][0], 12 * 1.5 * 100);
    assert.equal(preview.workloads[0].forecast?.bindingAtPeak, 'cpu');
  });

  it('GIVEN planAt history-end and a second signal ending earlier WHEN the clock is resolved THEN it plans as of the older end', async () => {
    const config = { ...webConfig(true), planAt: 'history-end' };

    const { clock } = await resolvePlanClock(config, histories([], { cpu: 5 * STEP }));

    assert.equal(clock.now().getTime(), NOW.getTime() - 5 * STEP);
  });
});
