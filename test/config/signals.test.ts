import assert from 'node:assert/strict';
import { parseConfig } from '../../automation/config';
import { ShadowscaleError } from '../../automation/errors';

const FILE = 'conf/shadowscale.yaml';

/** A one-workload config whose `signals:` block is given as YAML lines at the workload's indent. */
function withSignals(history: string, signals: string): string {
  return `version: 1
workloads:
  - name: web
    history: ${history}
    signals:
${signals}
    placements:
      - { id: a, zone: us-central1-a, region: us-central1, machineType: n2-standard-4, pricePerHour: 0.2 }
`;
}

const FILE_HISTORY = '{ file: h.csv, valueColumn: requests, timeColumn: timestamp }';
const BQ_HISTORY = '{ bigquery: { project: p, dataset: d, table: t, location: US, metricType: loadbalancing.googleapis.com/https/request_count, backendService: web-backend } }';

function configError(text: string): ShadowscaleError {
  try {
    parseConfig(text, FILE);
  } catch (err) {
    assert.ok(err instanceof ShadowscaleError, 'expected a ShadowscaleError');
    assert.equal(err.kind, 'config');
    return err;
  }
  assert.fail('expected the configuration to be rejected');
}

describe('shadowscale.yaml signals', () => {
  it('GIVEN a second signal without a history WHEN parsed THEN the error names the file, line and path and says why', () => {
    const text = withSignals(FILE_HISTORY, '      - { name: requests, capacityPerVm: 100 }\n      - { name: cpu, capacityPerVm: 2.5 }');

    const err = configError(text);

    assert.match(err.message, /^conf\/shadowscale\.yaml:7: workloads\.0\.signals\.1\.history: expected the history of this signal \(the workload's history is the first signal's\)$/m);
  });

  it('GIVEN two signals with the same name WHEN parsed THEN the duplicate is named', () => {
    const text = withSignals(FILE_HISTORY, '      - { name: requests, capacityPerVm: 100 }\n      - { name: requests, capacityPerVm: 50, history: { valueColumn: rps } }');

    const err = configError(text);

    assert.match(err.message, /workloads\.0\.signals\.1\.name: expected unique signal names within a workload, "requests" is already workloads\.0\.signals\.0/);
  });

  it('GIVEN a second signal whose override gives the same history WHEN parsed THEN it is rejected as reading the same data twice', () => {
    const text = withSignals(FILE_HISTORY, '      - { name: requests, capacityPerVm: 100 }\n      - { name: cpu, capacityPerVm: 2.5, history: { valueColumn: requests } }');

    assert.match(configError(text).message, /workloads\.0\.signals\.1\.history: expected another column or metric than workloads\.0\.signals\.0 \("requests"\) reads/);
  });

  it('GIVEN a BigQuery workload and a signal naming only another metric WHEN parsed THEN the table settings are merged and the first signal keeps the workload history', () => {
    const text = withSignals(BQ_HISTORY, '      - { name: requests, capacityPerVm: 100 }\n      - { name: cpu, capacityPerVm: 0.8, history: { bigquery: { metricType: compute.googleapis.com/instance/cpu/utilization } } }');

    const [w] = parseConfig(text, FILE).workloads;

    assert.deepEqual(w.signals.map((s) => [s.name, s.capacityPerVm]), [['requests', 100], ['cpu', 0.8]]);
    assert.deepEqual(w.signals[0].history, w.history);
    assert.equal(w.history.bigquery?.metricType, 'loadbalancing.googleapis.com/https/request_count');
    assert.deepEqual(w.signals[1].history?.bigquery, { project: 'p', dataset: 'd', table: 't', location: 'US', metricType: 'compute.googleapis.com/instance/cpu/utilization', backendService: 'web-backend' });
    assert.equal(w.signals[1].history?.source, 'bigquery');
  });

  it('GIVEN requests per backend service and a CPU signal per instance group WHEN parsed THEN the signal reads its group only (the group is one choice, not merged)', () => {
    const text = withSignals(BQ_HISTORY, '      - { name: requests, capacityPerVm: 100 }\n      - { name: cpu, capacityPerVm: 0.8, history: { bigquery: { metricType: compute.googleapis.com/instance/cpu/utilization, instanceGroup: web-mig } } }');
    const [w] = parseConfig(text, FILE).workloads;
    assert.equal(w.signals[1].history?.bigquery?.instanceGroup, 'web-mig');
    assert.equal(w.signals[1].history?.bigquery?.backendService, undefined);
    assert.equal(w.history.bigquery?.backendService, 'web-backend');
  });

  it('GIVEN a file workload and a signal overriding valueColumn WHEN parsed THEN it reads the same file with its own column', () => {
    const text = withSignals(FILE_HISTORY, '      - { name: requests, capacityPerVm: 100 }\n      - { name: memory, capacityPerVm: 12, history: { valueColumn: memory_gb } }');

    const [w] = parseConfig(text, FILE).workloads;

    const second = w.signals[1].history!;
    assert.equal(second.valueColumn, 'memory_gb');
    assert.equal(second.file, w.history.file);
    assert.match(second.file ?? '', /conf\/h\.csv$/);
    assert.equal(second.timeColumn, 'timestamp');
    assert.equal(w.history.valueColumn, 'requests', 'the workload history is untouched by the override');
  });

  it('GIVEN a partial BigQuery override on a file workload that leaves the table unnamed WHEN parsed THEN the missing fields are named', () => {
    const text = withSignals(FILE_HISTORY, '      - { name: requests, capacityPerVm: 100 }\n      - { name: cpu, capacityPerVm: 2.5, history: { bigquery: { metricType: m } } }');

    assert.match(configError(text).message, /workloads\.0\.signals\.1\.history\.bigquery: expected "project", "dataset", "table", "location" \(neither here nor in the workload's history\)/);
  });

  it('GIVEN a BigQuery workload and a signal that reads a file WHEN parsed THEN the signal reads its file, not the workload table (it kept the BigQuery source and read the table twice)', () => {
    const text = withSignals(BQ_HISTORY, '      - { name: requests, capacityPerVm: 100 }\n      - { name: cpu, capacityPerVm: 2.5, history: { file: cpu.csv, valueColumn: cpu, timeColumn: ts } }');
    const [w] = parseConfig(text, FILE).workloads;
    assert.equal(w.signals[1].history?.source, 'file');
    assert.equal(w.signals[1].history?.bigquery, undefined);
    assert.match(String(w.signals[1].history?.file), /cpu\.csv$/);
  });

  it('GIVEN a file workload and a signal that reads BigQuery with only a metric WHEN parsed THEN the missing table settings are named (nothing of the workload file is read)', () => {
    const text = withSignals(FILE_HISTORY, '      - { name: requests, capacityPerVm: 100 }\n      - { name: cpu, capacityPerVm: 2.5, history: { source: bigquery, bigquery: { metricType: m, instanceGroup: g } } }');
    assert.match(configError(text).message, /workloads\.0\.signals\.1\.history\.bigquery: expected "project", "dataset", "table", "location"/);
  });
});
