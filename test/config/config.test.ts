import assert from 'node:assert/strict';
import { loadConfig, parseConfig } from '../../automation/config';
import { ShadowscaleError } from '../../automation/errors';
import { parseDuration } from '../../automation/duration';

const minimal = `version: 1
workloads:
  - name: web
    history: { file: h.csv, valueColumn: value, timeColumn: timestamp }
    signals: [{ name: rps, capacityPerVm: 100 }]
    placements:
      - { id: a, zone: us-central1-a, region: us-central1, machineType: n2-standard-4, pricePerHour: 0.2 }
`;

function configError(text: string): ShadowscaleError {
  try {
    parseConfig(text, 'conf/shadowscale.yaml');
  } catch (err) {
    assert.ok(err instanceof ShadowscaleError, 'expected a ShadowscaleError');
    assert.equal(err.kind, 'config');
    return err;
  }
  assert.fail('expected the configuration to be rejected');
}

describe('shadowscale.yaml', () => {
  it('GIVEN the example configuration WHEN loaded THEN it validates with its stated values', () => {
    const c = loadConfig('examples/shadowscale.yaml');
    assert.equal(c.workloads.length, 1);
    const w = c.workloads[0];
    assert.equal(w.name, 'web');
    assert.equal(w.latencies.resumeSec, 60);
    assert.equal(w.guardrails.drainSec, 1800);
    assert.equal(c.tickSec, 900);
    assert.equal(c.deployer.kind, 'sim');
    assert.match(w.history.file ?? '', /samples\/nab_cpu_asg_21d\.csv$/);
    assert.equal(c.events[0].durationSec, 7200);
  });

  it('GIVEN a minimal configuration WHEN parsed THEN defaults follow the fleet model (prices 8 % / 4 %, latencies 4m/1m/2m)', () => {
    const c = parseConfig(minimal, 'conf/shadowscale.yaml');
    const p = c.workloads[0].placements[0];
    assert.ok(Math.abs(p.suspendedPricePerHour - 0.016) < 1e-12);
    assert.ok(Math.abs(p.stoppedPricePerHour - 0.008) < 1e-12);
    assert.deepEqual(c.workloads[0].latencies, { bootSec: 240, resumeSec: 60, startSec: 120 });
    assert.match(c.workloads[0].history.file ?? '', /conf\/h\.csv$/, 'history path is relative to the config file');
  });

  it('GIVEN a negative price WHEN parsed THEN the error names the file, line, path and what is expected', () => {
    const err = configError(minimal.replace('pricePerHour: 0.2', 'pricePerHour: -1'));
    assert.match(err.message, /^conf\/shadowscale\.yaml:7: workloads\.0\.placements\.0\.pricePerHour: expected a number > 0/);
  });

  it('GIVEN an unknown field and a bad duration WHEN parsed THEN both are reported', () => {
    const err = configError(minimal.replace('version: 1', 'version: 1\ntick: fifteen\ncolour: blue'));
    assert.match(err.message, /tick: expected a duration such as 30s/);
    assert.match(err.message, /^conf\/shadowscale\.yaml:3: colour: unknown field, expected one of "version", "project", "tick", /m, 'the unknown key\'s own line, with the fields that exist');
  });

  it('GIVEN an event for a workload that does not exist WHEN parsed THEN it names the event and the workloads that do', () => {
    const err = configError(`${minimal}events:\n  - { name: launch, workload: api, start: 2026-12-01T10:00:00Z, duration: 2h, multiplier: 3 }\n`);
    assert.match(err.message, /^conf\/shadowscale\.yaml:9: events\.0\.workload: expected one of the workloads in this file \(web\), got "api"$/);
  });

  it('GIVEN a zone outside its region WHEN parsed THEN the placement is rejected', () => {
    const err = configError(minimal.replace('zone: us-central1-a', 'zone: europe-west1-b'));
    assert.match(err.message, /^conf\/shadowscale\.yaml:7: workloads\.0\.placements\.0\.zone: expected a zone in region "us-central1", got "europe-west1-b"$/);
  });

  it('GIVEN broken YAML WHEN parsed THEN the error gives the line', () => {
    const err = configError('version: 1\nworkloads: [\n');
    assert.match(err.message, /^conf\/shadowscale\.yaml:\d+: not valid YAML/);
  });

  it('GIVEN a missing file WHEN loaded THEN the error names it', () => {
    assert.throws(() => loadConfig('nope/shadowscale.yaml'), /nope\/shadowscale\.yaml: cannot read the configuration file \(ENOENT\)/);
  });
});

describe('shadowscale.yaml planAt', () => {
  it('GIVEN planAt history-end or an ISO time WHEN parsed THEN it is kept; anything else is rejected naming planAt', () => {
    assert.equal(parseConfig(minimal.replace('version: 1', 'version: 1\nplanAt: history-end'), 'c.yaml').planAt, 'history-end');
    assert.equal(parseConfig(minimal.replace('version: 1', 'version: 1\nplanAt: 2026-12-01T10:00:00+01:00'), 'c.yaml').planAt, '2026-12-01T09:00:00.000Z');
    assert.equal(parseConfig(minimal, 'c.yaml').planAt, undefined);
    const err = configError(minimal.replace('version: 1', 'version: 1\nplanAt: tomorrow'));
    assert.match(err.message, /planAt: expected "history-end" or an ISO 8601 date-time/);
  });
});

describe('shadowscale.yaml checks the planner needs', () => {
  it('GIVEN total limits below one VM of each workload WHEN loaded THEN each is a config error naming the file, line and config key (limits, not the planner\'s field), before any tick', () => {
    const err = configError(minimal.replace('version: 1', 'version: 1\nlimits:\n  maxVms: 1\n  maxSpendPerHour: 0.01'));
    assert.deepEqual(err.message.split('\n'), ['conf/shadowscale.yaml:4: limits.maxSpendPerHour: expected at least 0.2/h, one running VM per workload in its primary placement, got 0.01/h']);
    assert.doesNotMatch(err.message, /totalGuardrails/);
  });

  it('GIVEN quantiles without the median or 0.95 WHEN loaded THEN both are added (the planner and the published metrics need them)', () => {
    const c = parseConfig(minimal.replace('version: 1', 'version: 1\nquantiles: [0.9, 0.99]'), 'c.yaml');
    assert.deepEqual(c.quantiles, [0.5, 0.9, 0.95, 0.99]);
  });

  it('GIVEN deployer.stack settings WHEN parsed THEN they reach the stack program options', () => {
    const c = parseConfig(minimal.replace('version: 1', 'version: 1\ndeployer:\n  stack: { network: projects/p/global/networks/prod, vmServiceAccount: web-vm@p.iam.gserviceaccount.com, vmWarmup: 3m, frontend: false, labels: { team: sre } }'), 'conf/shadowscale.yaml');
    assert.deepEqual(c.deployer.stack, { network: 'projects/p/global/networks/prod', vmServiceAccountEmail: 'web-vm@p.iam.gserviceaccount.com', vmWarmupSec: 180, frontend: false, labels: { team: 'sre' } });
    assert.deepEqual(parseConfig(minimal, 'conf/shadowscale.yaml').deployer.stack, {}, 'unset: the program defaults apply');
  });

  it('GIVEN bad deployer.stack settings WHEN parsed THEN each names its field', () => {
    assert.match(configError(minimal.replace('version: 1', 'version: 1\ndeployer:\n  stack: { labels: { Team: sre } }')).message, /deployer\.stack\.labels/);
    assert.match(configError(minimal.replace('version: 1', 'version: 1\ndeployer:\n  stack: { vmServiceAccount: web-vm }')).message, /deployer\.stack\.vmServiceAccount/);
    assert.match(configError(minimal.replace('version: 1', 'version: 1\ndeployer:\n  stack: { vmWarmup: 2h }')).message, /deployer\.stack\.vmWarmup: expected whole seconds up to 1h, got 2h/);
  });

  it('GIVEN a zero duration in the file WHEN parsed THEN the error names the file, the line and the path, with the other problems one per line', () => {
    const text = minimal
      .replace('version: 1', 'version: 1\ntick: 0s')
      .replace('timeColumn: timestamp }', '}\n    latencies:\n      boot: 0s');
    const err = configError(text);
    assert.deepEqual(err.message.split('\n').sort(), [
      'conf/shadowscale.yaml:2: tick: expected a positive duration such as 30s, 5m, 1h or 1h30m, got "0s"',
      'conf/shadowscale.yaml:5: workloads.0.history: expected "timeColumn" or "step" (row clock)',
      'conf/shadowscale.yaml:7: workloads.0.latencies.boot: expected a positive duration such as 30s, 5m, 1h or 1h30m, got "0s"',
    ]);
  });

  it('GIVEN a workload spend cap below one VM WHEN loaded THEN the planner\'s check names the file, the line and the config path', () => {
    const err = configError(minimal.replace('pricePerHour: 0.2 }', 'pricePerHour: 0.2 }\n    guardrails:\n      maxVms: 3\n      maxSpendPerHour: 0.1'));
    assert.equal(err.message, 'conf/shadowscale.yaml:10: workloads.0.guardrails.maxSpendPerHour: expected at least 0.2/h, the price of one running VM in the primary placement, got 0.1/h');
  });

  it('GIVEN a zero duration WHEN parsed THEN it is rejected like any non-positive duration', () => {
    assert.throws(() => parseDuration('0', '--every'), /--every: expected a positive duration/);
    assert.equal(parseDuration('90'), 90_000);
  });
});

describe('shadowscale.yaml BigQuery history', () => {
  const bigquery = (group: string) => minimal.replace(
    'history: { file: h.csv, valueColumn: value, timeColumn: timestamp }',
    `history:\n      bigquery: { project: p, dataset: d, table: t, location: EU, metricType: compute.googleapis.com/instance/cpu/utilization${group} }`,
  );

  it('GIVEN a BigQuery history with neither instanceGroup nor backendService WHEN validated THEN it is rejected naming the file, line and path', () => {
    const err = configError(bigquery(''));
    assert.equal(err.message, 'conf/shadowscale.yaml:5: workloads.0.history.bigquery: expected exactly one of "instanceGroup" and "backendService", got neither');
  });

  it('GIVEN a BigQuery history with both instanceGroup and backendService WHEN validated THEN it is rejected', () => {
    const err = configError(bigquery(', instanceGroup: web-mig, backendService: web-be'));
    assert.match(err.message, /^conf\/shadowscale\.yaml:5: workloads\.0\.history\.bigquery: expected exactly one of "instanceGroup" and "backendService", got both$/);
  });

  it('GIVEN a BigQuery history with exactly one group WHEN validated THEN it is accepted', () => {
    assert.equal(parseConfig(bigquery(', backendService: web-be'), 'c.yaml').workloads[0].history.bigquery?.backendService, 'web-be');
    assert.equal(parseConfig(bigquery(', instanceGroup: web-mig'), 'c.yaml').workloads[0].history.source, 'bigquery');
  });
});
