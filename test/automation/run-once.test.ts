import assert from 'node:assert/strict';
import { ShadowscaleError } from '../../automation/errors';
import { capsForGroup, checkPlanBeforeActing, failureAftermath, horizonSteps, observedUsage, recheckTotals, runOnce, selectionText, staleLimitMs, summarizeForecast, type RunContext } from '../../automation/modes/run-once';
import type { FleetState } from '../../automation/fleet-plan';
import { FakeDeployer } from '../fakes/fake-deployer';
import { planFn } from '../../automation/modes/wiring';
import { CollectingSink, MemoryRecords, NOW, fixedClock, flatForecast, generation, historyEndingAt, shadowscaleConfig, stubPlanner, workloadConfig, workloadPlan } from './helpers';

/** A workload observed with one active primary `${workload}-g1` running `running` VMs in `placementId`. */
function primaryStatus(workload: string, running: number, placementId: string): FleetState['workloads'][number] {
  return { workload, generations: [{ name: `${workload}-g1`, role: 'primary', state: 'active', placementId, running, suspended: 0, stopped: 0, weight: 1000, healthy: true, since: NOW.toISOString() }] };
}

function context(overrides: Partial<RunContext> = {}): RunContext & { deployer: FakeDeployer; records: MemoryRecords; sink: CollectingSink } {
  const clock = fixedClock();
  return {
    config: shadowscaleConfig(['api', 'web', 'worker']),
    clock,
    deployer: new FakeDeployer(clock),
    history: historyEndingAt(60_000),
    forecast: flatForecast,
    plan: stubPlanner(),
    records: new MemoryRecords(),
    sink: new CollectingSink(),
    mode: 'apply',
    ...overrides,
  } as RunContext & { deployer: FakeDeployer; records: MemoryRecords; sink: CollectingSink };
}

describe('runOnce', () => {
  it('GIVEN fresh history for three workloads WHEN a tick runs THEN each is forecast, planned, applied and recorded', async () => {
    const ctx = context();

    const results = await runOnce(ctx, new AbortController().signal);

    assert.deepEqual(results.map((r) => [r.workload, r.ok, r.applied]), [['api', true, true], ['web', true, true], ['worker', true, true]]);
    assert.deepEqual(ctx.deployer.calls.filter((c) => c.method === 'apply').map((c) => c.workloads), [['api'], ['web'], ['worker']]);
    assert.equal(ctx.deployer.appliedPlan('web')?.generations.length, 2);
    assert.deepEqual(results[1].changes.map((c) => c.op), ['create', 'create']);
    assert.equal(results[1].forecastSummary?.model, 'stub-flat');
    assert.deepEqual(ctx.records.forecasts.map((f) => f.workload), ['api', 'web', 'worker']);
    assert.equal(ctx.records.decisions.length, 3);
    assert.ok(ctx.sink.codes().includes('run.finished'));
  });

  it('GIVEN the apply of one workload fails WHEN a tick runs THEN the others are applied and the failed one keeps its fleet', async () => {
    const ctx = context();
    // Seeded as the generation the stub planner keeps (web-g1), so the plan itself is valid.
    const before = workloadPlan('web', [generation('web-g1', { running: 7, minReplicas: 7 })]);
    ctx.deployer.seed(before);
    ctx.deployer.failNext('apply', 'web', new Error('googleapi: Error 400: Invalid value for field machineType'));

    const results = await runOnce(ctx, new AbortController().signal);

    const web = results.find((r) => r.workload === 'web')!;
    assert.equal(web.ok, false);
    assert.equal(web.applied, false);
    assert.match(web.error!, /^apply: .*machineType/);
    assert.deepEqual(ctx.deployer.appliedPlan('web'), before, 'the failed workload is left as it was');
    assert.deepEqual(results.filter((r) => r.ok).map((r) => r.workload), ['api', 'worker']);
    assert.ok(ctx.deployer.appliedPlan('api') && ctx.deployer.appliedPlan('worker'));
    assert.ok(ctx.sink.events.some((e) => e.code === 'workload.failed' && e.labels?.workload === 'web'));
  });

  it('GIVEN history that stopped arriving an hour ago WHEN a tick runs THEN the planner holds, nothing is applied and the hold is recorded as a decision', async () => {
    const config = shadowscaleConfig(['web']);
    const ctx = context({ config, history: historyEndingAt(3_600_000), plan: planFn(config) });
    ctx.deployer.seed(workloadPlan('web', [generation('web-g1', { running: 4, minReplicas: 4 })]));

    const [web] = await runOnce(ctx, new AbortController().signal);

    assert.equal(web.ok, true, 'a stale forecast is a decision, not a failure');
    assert.equal(web.applied, false);
    assert.deepEqual(web.decisions.map((d) => d.code), ['hold.stale-forecast']);
    assert.equal(ctx.deployer.calls.filter((c) => c.method === 'apply').length, 0);
    assert.ok(ctx.sink.codes().includes('forecast.stale'));
    assert.deepEqual(ctx.records.decisions[0].decisions.map((d) => d.code), ['hold.stale-forecast']);
  });

  it('GIVEN a stale forecast and an unhealthy primary with a healthy standby shadow WHEN a tick runs THEN the failover is applied all the same', async () => {
    const config = shadowscaleConfig(['web']);
    const ctx = context({ config, history: historyEndingAt(3_600_000), plan: planFn(config) });
    const p = config.workloads[0].placements;
    ctx.deployer.seed(workloadPlan('web', [
      generation('web-g1', { running: 4, minReplicas: 4 }),
      generation('web-g2', { role: 'shadow', state: 'standby', running: 0, minReplicas: 0, suspended: 3, weight: 0, placement: { ...p[1] } }),
    ]));
    const read = ctx.deployer.state.bind(ctx.deployer);
    ctx.deployer.state = async (o) => {
      const s = await read(o);
      for (const g of s.workloads[0].generations) g.healthy = g.name !== 'web-g1';
      return s;
    };

    const [web] = await runOnce(ctx, new AbortController().signal);

    assert.deepEqual(web.decisions.map((d) => d.code).slice(0, 2), ['hold.stale-forecast', 'failover']);
    assert.equal(web.applied, true);
    const applied = ctx.deployer.appliedPlan('web')!;
    assert.equal(applied.generations.find((g) => g.name === 'web-g2')?.weight, 1000);
    assert.equal(applied.generations.find((g) => g.name === 'web-g1')?.weight, 0);
  });

  it('GIVEN one history source throws WHEN a tick runs THEN only that workload fails and the planner never sees it', async () => {
    const fresh = historyEndingAt(60_000);
    const ctx = context({
      history: (w) => (w.name === 'api' ? { read: async () => { throw new ShadowscaleError('input', 'input.column', 'api.csv: column "value" not found'); } } : fresh(w)),
    });

    const results = await runOnce(ctx, new AbortController().signal);

    assert.deepEqual(results.map((r) => r.ok), [false, true, true]);
    assert.equal(results[0].errorKind, 'input');
    const planned = (ctx.plan as ReturnType<typeof stubPlanner>).inputs[0].config.workloads.map((w) => w.name);
    assert.deepEqual(planned, ['web', 'worker']);
  });

  it('GIVEN one workload fails before apply and another fails in apply WHEN a tick runs THEN each log line says what its failure left of the fleet', async () => {
    const fresh = historyEndingAt(60_000);
    const ctx = context({
      history: (w) => (w.name === 'api' ? { read: async () => { throw new ShadowscaleError('input', 'input.column', 'api.csv: column "value" not found'); } } : fresh(w)),
    });
    ctx.deployer.failNext('apply', 'web', new Error('googleapi: Error 503: backend error'));

    await runOnce(ctx, new AbortController().signal);

    const failed = (name: string) => ctx.sink.events.find((e) => e.code === 'workload.failed' && e.labels?.workload === name)?.message ?? '';
    assert.match(failed('api'), /^api: forecast: .*; its fleet is left as it was$/);
    assert.match(failed('web'), /^web: apply: .*503.*; the update may have applied part of the plan$/);
    assert.doesNotMatch(failed('web'), /left as it was/);
  });

  it('GIVEN the planner throws for one workload only WHEN a tick runs THEN each is planned alone and the others still apply', async () => {
    const inner = stubPlanner();
    const ctx = context({
      plan: (input) => {
        if (input.config.workloads.some((w) => w.name === 'worker')) throw new Error('no placement fits worker');
        return inner(input);
      },
    });

    const results = await runOnce(ctx, new AbortController().signal);

    assert.deepEqual(results.map((r) => [r.workload, r.ok]), [['api', true], ['web', true], ['worker', false]]);
    assert.match(results[2].error!, /no placement fits worker/);
    assert.ok(ctx.sink.codes().includes('plan.isolating'));
  });

  it('GIVEN a plan whose weights do not sum to 1000 WHEN a tick runs THEN it is refused as unsafe and not applied', async () => {
    const ctx = context({
      config: shadowscaleConfig(['web']),
      plan: (input) => ({ plan: { version: 1, createdAt: input.now.toISOString(), workloads: [workloadPlan('web', [generation('web-g1', { weight: 600 })])] }, decisions: [] }),
    });

    const [web] = await runOnce(ctx, new AbortController().signal);

    assert.equal(web.ok, false);
    assert.equal(web.errorKind, 'unsafe');
    assert.match(web.error!, /weights sum to 600, expected 1000/);
    assert.equal(ctx.deployer.calls.filter((c) => c.method === 'apply').length, 0);
  });

  it('GIVEN preview mode WHEN a tick runs THEN the deployer previews and the fleet is unchanged', async () => {
    const ctx = context({ mode: 'preview', config: shadowscaleConfig(['web']) });

    const [web] = await runOnce(ctx, new AbortController().signal);

    assert.equal(web.applied, false);
    assert.deepEqual(web.changes.map((c) => c.op), ['create', 'create']);
    assert.equal(ctx.deployer.appliedPlan('web'), undefined);
  });

  it('GIVEN an apply that hangs WHEN the tick signal aborts THEN the apply is cancelled and the workload reported as cancelled', async () => {
    const ctx = context({ config: shadowscaleConfig(['web']) });
    ctx.deployer.hang('web');
    const controller = new AbortController();

    const running = runOnce(ctx, controller.signal);
    await new Promise((r) => setTimeout(r, 20));
    controller.abort(new Error('received SIGTERM'));
    const [web] = await running;

    assert.equal(ctx.deployer.cancelled, 1);
    assert.equal(web.ok, false);
    assert.equal(web.errorKind, 'cancelled');
    assert.match(web.error!, /SIGTERM/);
    assert.equal(ctx.deployer.appliedPlan('web'), undefined);
  });

  it('GIVEN the records store fails WHEN a tick runs THEN the applied workload stays ok with a warning', async () => {
    const ctx = context({ config: shadowscaleConfig(['web']) });
    ctx.records.failWith = new Error('database is locked');

    const [web] = await runOnce(ctx, new AbortController().signal);

    assert.equal(web.ok, true);
    assert.equal(web.applied, true);
    assert.match(web.warnings[0], /records not saved: Error: database is locked/);
  });

  it('GIVEN an event for a workload another shard owns WHEN this shard plans with the real planner THEN it plans (the event named a workload its config did not hold, and every such shard failed)', async () => {
    const config = shadowscaleConfig(['api', 'web', 'worker'], { events: [{ name: 'launch', workload: 'web', start: NOW.toISOString(), durationSec: 3600, multiplier: 2 }] });
    const ctx = context({ config, plan: planFn(config), workloads: ['worker'] });

    const results = await runOnce(ctx, new AbortController().signal);

    assert.deepEqual(results.map((r) => [r.workload, r.ok, r.error]), [['worker', true, undefined]]);
  });

  it('GIVEN a shard WHEN a tick runs THEN only the owned workloads are touched', async () => {
    const ctx = context({ workloads: ['worker'] });

    const results = await runOnce(ctx, new AbortController().signal);

    assert.deepEqual(results.map((r) => r.workload), ['worker']);
    assert.deepEqual(ctx.deployer.calls.filter((c) => c.method === 'apply').map((c) => c.workloads), [['worker']]);
  });
});

describe('selectionText: why a model was selected', () => {
  it('GIVEN the ensemble selected while a single model has a lower mean WHEN explained THEN the scores are listed and the rule that kept the ensemble is named', () => {
    const text = selectionText('ensemble', { ensemble: { score: 1.336 }, 'seasonal-median': { score: 1.254 }, ets: { score: 2.1 } });
    assert.match(text, /^selection scores \(mean pinball, cross-calibrated on the calibration origins\): seasonal-median 1\.254, ensemble 1\.336, ets 2\.100; the ensemble is kept unless a single model scores lower by more than two standard errors of the difference, and seasonal-median does not$/);
    assert.equal(selectionText('ets', { ets: { score: 1 }, ensemble: { score: 2 } }), 'selection scores (mean pinball, cross-calibrated on the calibration origins): ets 1.000, ensemble 2.000');
  });
});

describe('runOnce: total guardrails across the whole fleet', () => {
  const prioritised = (maxVms: number) =>
    shadowscaleConfig(['api', 'web', 'worker'], {
      totalGuardrails: { maxVms, maxSpendPerHour: 500 },
      workloads: [workloadConfig('api', { priority: 3 }), workloadConfig('web', { priority: 2 }), workloadConfig('worker', { priority: 1 })],
    });

  it('GIVEN one workload whose history fails holds 40 VMs of a 50-VM total WHEN a tick runs THEN the others are planned within the 10 VMs left', async () => {
    const fresh = historyEndingAt(60_000);
    const ctx = context({
      config: prioritised(50),
      history: (w) => (w.name === 'api' ? { read: async () => { throw new Error('export table not found'); } } : fresh(w)),
    });
    ctx.deployer.seed(workloadPlan('api', [generation('api-g1', { running: 40, minReplicas: 40 })]));

    await runOnce(ctx, new AbortController().signal);

    const given = (ctx.plan as ReturnType<typeof stubPlanner>).inputs[0].config;
    assert.deepEqual(given.workloads.map((w) => w.name), ['web', 'worker']);
    assert.equal(given.totalGuardrails.maxVms, 10);
  });

  it('GIVEN a planner whose plans together exceed the total VM cap WHEN a tick runs THEN the lowest-priority growing workload is refused and keeps its fleet, the others apply', async () => {
    // The stub planner ignores total caps: 10 VMs per workload (8 running + 2 suspended), 30 in all.
    const ctx = context({ config: prioritised(25) });

    const results = await runOnce(ctx, new AbortController().signal);

    assert.deepEqual(results.map((r) => [r.workload, r.ok]), [['api', true], ['web', true], ['worker', false]]);
    assert.equal(results[2].errorKind, 'unsafe');
    assert.match(results[2].error!, /over the total guardrails \(25 VMs.*worker \(priority 1\) would grow/);
    assert.equal(ctx.deployer.appliedPlan('worker'), undefined, 'the refused workload is left as it was');
  });

  it('GIVEN one stack cannot be read and total caps are set WHEN a tick runs THEN that workload fails as unreadable and the others may shrink or hold but not grow', async () => {
    const ctx = context({ config: prioritised(100) });
    ctx.deployer.seed(workloadPlan('api', [generation('api-g1', { running: 5, minReplicas: 5 })]));
    // web already holds the standby shadow the stub planner keeps, so lowering its floor adds nothing.
    ctx.deployer.seed(workloadPlan('web', [generation('web-g1', { running: 40, minReplicas: 40 }), generation('web-g2', { role: 'shadow', state: 'standby', running: 0, minReplicas: 0, suspended: 2, weight: 0 })]));
    ctx.deployer.unreadable('api', 'stack prod-api: 503 from the state bucket');

    const results = await runOnce(ctx, new AbortController().signal);

    assert.deepEqual(results.map((r) => [r.workload, r.ok]), [['api', false], ['web', true], ['worker', false]]);
    assert.equal(results[0].error, 'read fleet state: stack prod-api: 503 from the state bucket');
    assert.equal(results[0].errorKind, 'transient');
    const webRunning = ctx.deployer.appliedPlan('web')!.generations[0]!.running;
    assert.ok(webRunning > 0 && webRunning < 40, `web's floor comes down from 40, got ${webRunning}`);
    assert.match(results[2].error!, /cannot be checked while the fleet of api is unknown/);
  });

  it('GIVEN one stack cannot be read and no total caps WHEN a tick runs THEN only that workload fails', async () => {
    const ctx = context({ config: shadowscaleConfig(['api', 'web', 'worker'], { totalGuardrails: { maxVms: Infinity, maxSpendPerHour: Infinity } }) });
    ctx.deployer.unreadable('api', 'stack prod-api: permission denied', 'config');

    const results = await runOnce(ctx, new AbortController().signal);

    assert.deepEqual(results.map((r) => [r.workload, r.ok, r.applied]), [['api', false, false], ['web', true, true], ['worker', true, true]]);
    assert.equal(results[0].errorKind, 'config');
  });

  it('GIVEN the fleet is over the total cap and a plan lowers a floor WHEN re-checked THEN that plan is applied and only growth is refused', () => {
    const config = prioritised(25);
    const state: FleetState = { observedAt: NOW.toISOString(), workloads: [{ workload: 'web', generations: [{ name: 'web-g1', role: 'primary', state: 'active', placementId: config.workloads[1].placements[0].id, running: 40, suspended: 0, stopped: 0, weight: 1000, healthy: true, since: NOW.toISOString() }] }] };
    const plans = ['api', 'web', 'worker'].map((n) => workloadPlan(n, [generation(`${n}-g1`, { running: 10, minReplicas: 10 })]));

    const refused = recheckTotals(config, state, plans);

    // web's 40 running VMs stay until the autoscaler scales in, so it counts 40 (not growing):
    // 10 + 40 + 10 = 60 > 25; worker (priority 1) then api (priority 3) are refused, web never.
    assert.deepEqual([...refused.keys()], ['worker', 'api']);
  });

  it('GIVEN the autoscaler already runs 30 VMs under a floor of 10 WHEN totals are re-checked THEN the 30 count, not the floor', () => {
    const config = prioritised(45);
    const state: FleetState = { observedAt: NOW.toISOString(), workloads: [{ workload: 'web', generations: [{ name: 'web-g1', role: 'primary', state: 'active', placementId: config.workloads[1].placements[0].id, running: 30, suspended: 0, stopped: 0, weight: 1000, healthy: true, since: NOW.toISOString() }] }] };
    // maxReplicas 50 lets the autoscaler keep its 30.
    const plans = ['api', 'web', 'worker'].map((n) => workloadPlan(n, [generation(`${n}-g1`, { running: 10, minReplicas: 10, maxReplicas: 50 })]));

    // 10 + 30 + 10 = 50 > 45: worker, the lowest-priority growth, is refused; 40 fits.
    assert.deepEqual([...recheckTotals(config, state, plans).keys()], ['worker']);
  });

  it('GIVEN a plan that caps a generation running 40 VMs at maxReplicas 30 WHEN totals are re-checked THEN it counts 30 and a higher-priority growth into the freed room passes', () => {
    const config = prioritised(90);
    const at = config.workloads[0].placements[0].id;
    const state: FleetState = { observedAt: NOW.toISOString(), workloads: [primaryStatus('api', 50, at), primaryStatus('worker', 40, at)] };
    // api (priority 3) grows from 50 to 60; worker (priority 1) keeps a floor of 30 and is capped there.
    const plans = [
      workloadPlan('api', [generation('api-g1', { running: 60, minReplicas: 60, maxReplicas: 80 })]),
      workloadPlan('worker', [generation('worker-g1', { running: 30, minReplicas: 30, maxReplicas: 30 })]),
    ];

    const refused = recheckTotals(config, state, plans);

    // 60 + 30 = 90: within the cap; counting worker at the 40 it runs now would make 100.
    assert.deepEqual([...refused.entries()], []);
  });

  it('GIVEN the same cap but the lower-priority plan lowers only its floor WHEN totals are re-checked THEN its 40 running VMs still count and the growth is refused', () => {
    const config = prioritised(90);
    const at = config.workloads[0].placements[0].id;
    const state: FleetState = { observedAt: NOW.toISOString(), workloads: [primaryStatus('api', 50, at), primaryStatus('worker', 40, at)] };
    const plans = [
      workloadPlan('api', [generation('api-g1', { running: 60, minReplicas: 60, maxReplicas: 80 })]),
      workloadPlan('worker', [generation('worker-g1', { running: 30, minReplicas: 30, maxReplicas: 50 })]),
    ];

    assert.deepEqual([...recheckTotals(config, state, plans).keys()], ['api']);
  });

  it('GIVEN the lowest-priority growing plan is a failover WHEN totals are re-checked THEN it is not refused; the next one is', () => {
    const config = prioritised(25);
    const plans = ['api', 'web', 'worker'].map((n) => workloadPlan(n, [generation(`${n}-g1`, { running: 10, minReplicas: 10 })]));

    const refused = recheckTotals(config, { observedAt: NOW.toISOString(), workloads: [] }, plans, new Set(['worker']));

    assert.deepEqual([...refused.keys()], ['web']);
  });

  it('GIVEN a fleet on a placement no longer configured WHEN its usage is observed THEN it is priced at the dearest configured placement', () => {
    const w = workloadConfig('web');
    const used = observedUsage(w, { workload: 'web', generations: [{ name: 'web-g0', role: 'primary', state: 'active', placementId: 'europe-west1-b/old', running: 2, suspended: 4, stopped: 0, weight: 1000, healthy: true, since: NOW.toISOString() }] });

    assert.equal(used.vms, 6);
    assert.equal(used.spendPerHour.toFixed(3), (2 * 0.2 + 4 * 0.016).toFixed(3));
  });

  it('GIVEN the other workloads already use more than the total WHEN caps are computed for a group THEN the group still gets one VM each in its primary placement', () => {
    const config = prioritised(10);
    const state: FleetState = { observedAt: NOW.toISOString(), workloads: [{ workload: 'api', generations: [{ name: 'api-g1', role: 'primary', state: 'active', placementId: config.workloads[0].placements[0].id, running: 12, suspended: 0, stopped: 0, weight: 1000, healthy: true, since: NOW.toISOString() }] }] };

    const caps = capsForGroup(config, state, new Set(['web', 'worker']));

    assert.equal(caps.maxVms, 2);
    assert.equal(caps.maxSpendPerHour.toFixed(6), (500 - 12 * 0.2).toFixed(6));
  });
});

describe('total caps across job shards', () => {
  const three = (maxVms: number) => shadowscaleConfig(['api', 'batch', 'web'], { totalGuardrails: { maxVms, maxSpendPerHour: 500 } });
  const holding = (config: ReturnType<typeof three>, name: string, running: number) => primaryStatus(name, running, config.workloads.find((w) => w.name === name)!.placements[0].id);

  it('GIVEN other shards holding the whole 40-VM cap WHEN the shard of one workload of three plans THEN it still gets its third (13 VMs) rather than nothing, tick after tick', () => {
    const config = three(40);
    const state: FleetState = { observedAt: NOW.toISOString(), workloads: [holding(config, 'api', 34), holding(config, 'batch', 6)] };

    const caps = capsForGroup(config, state, new Set(['web']), new Set(['web']));

    assert.equal(caps.maxVms, 13);
    const plan = workloadPlan('web', [generation('web-g1', { running: 13, minReplicas: 13, maxReplicas: 13 })]);
    assert.equal(recheckTotals(config, state, [plan], new Set(), new Set(['web'])).size, 0, 'its share is not refused');
    const more = workloadPlan('web', [generation('web-g1', { running: 14, minReplicas: 14, maxReplicas: 14 })]);
    assert.match(recheckTotals(config, state, [more], new Set(), new Set(['web'])).get('web') ?? '', /over this shard's part of the total guardrails \(13 VMs/);
  });

  it('GIVEN the others then hold that share WHEN the first shard plans again THEN its caps shrink to what they leave, so the fleet converges to the total', () => {
    const config = three(40);
    const state: FleetState = { observedAt: NOW.toISOString(), workloads: [holding(config, 'api', 34), holding(config, 'batch', 6), holding(config, 'web', 13)] };

    assert.equal(capsForGroup(config, state, new Set(['api']), new Set(['api'])).maxVms, 21);
  });

  it('GIVEN no shards WHEN caps are computed THEN a workload of this process that was not planned counts in full (no share)', () => {
    const config = three(40);
    const state: FleetState = { observedAt: NOW.toISOString(), workloads: [holding(config, 'api', 34)] };

    assert.equal(capsForGroup(config, state, new Set(['batch', 'web'])).maxVms, 6);
  });
});

describe('run-once helpers', () => {
  it('GIVEN a forecast WHEN summarised THEN next and peak are per level and the peak time is that of the top level', () => {
    const s = summarizeForecast({ model: 'm', stepMs: 60_000, origin: 10, originTime: NOW.toISOString(), horizon: 3, quantiles: { '0.95': [5, 9, 7], '0.5': [3, 4, 2] } });
    assert.deepEqual(s.levels, ['0.5', '0.95']);
    assert.deepEqual(s.next, { '0.5': 3, '0.95': 5 });
    assert.deepEqual(s.peak, { '0.5': 4, '0.95': 9 });
    assert.equal(s.peakAt, new Date(NOW.getTime() + 60_000).toISOString());
  });

  it('GIVEN a tick and a series step WHEN the stale limit is computed THEN it is the larger of two ticks and three steps', () => {
    assert.equal(staleLimitMs(300, 60_000), 600_000);
    assert.equal(staleLimitMs(60, 3_600_000), 10_800_000);
  });

  it('GIVEN a horizon that is not a whole number of steps WHEN converted THEN it rounds up', () => {
    assert.equal(horizonSteps(3600, 420_000), 9);
  });

  const noFleet: FleetState = { observedAt: NOW.toISOString(), workloads: [] };

  it('GIVEN a plan with no generation WHEN checked before acting THEN it is refused because it would delete the fleet', () => {
    assert.match(checkPlanBeforeActing(workloadPlan('w', []), shadowscaleConfig(['w']), noFleet).join(), /plan\.empty: .*delete the whole fleet/);
  });

  it('GIVEN a plan over the VM guardrail WHEN checked before acting THEN the problem names both numbers', () => {
    const plan = workloadPlan('w', [generation('g1', { running: 40, minReplicas: 40, suspended: 20 })]);
    assert.match(checkPlanBeforeActing(plan, shadowscaleConfig(['w']), noFleet).join(), /60 VMs \(running \+ pools\) exceed guardrails\.maxVms 50/);
  });

  it('GIVEN a plan within guardrails but over the total cap WHEN checked before acting THEN it passes (totals are re-checked across workloads)', () => {
    const plan = workloadPlan('w', [generation('g1', { running: 30, minReplicas: 30, maxReplicas: 40 })]);
    assert.deepEqual(checkPlanBeforeActing(plan, shadowscaleConfig(['w'], { totalGuardrails: { maxVms: 10, maxSpendPerHour: 500 } }), noFleet), []);
  });
});

describe('failureAftermath', () => {
  it('GIVEN a failure before apply or in a preview WHEN logged THEN the fleet is said to be left as it was, whatever the deployer', () => {
    for (const stage of ['read fleet state', 'forecast', 'plan', 'validate plan', 'preview']) {
      assert.equal(failureAftermath(stage, new Error('x'), 'pulumi'), 'its fleet is left as it was', stage);
    }
  });

  it('GIVEN a pulumi up that failed part-way WHEN logged THEN it says part of the plan may be applied and the next update refreshes first', () => {
    const said = failureAftermath('apply', new Error('error: update failed'), 'pulumi');
    assert.match(said, /may have applied part of the plan/);
    assert.match(said, /next update refreshes the stack from the cloud first/);
    assert.doesNotMatch(said, /left as it was/);
  });

  it('GIVEN an apply refused because another update holds the stack lock WHEN logged THEN nothing was applied', () => {
    const locked = Object.assign(new Error('the stack is currently locked by 1 lock(s)'), { name: 'ConcurrentUpdateError' });
    assert.match(failureAftermath('apply', locked, 'pulumi'), /never started: its fleet is left as it was$/);
  });

  it('GIVEN the simulator failed to apply WHEN logged THEN the fleet is left as it was (it checks for cancellation before changing anything)', () => {
    assert.equal(failureAftermath('apply', new Error('cancelled'), 'sim'), 'its fleet is left as it was');
  });
});
