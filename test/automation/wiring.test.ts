import assert from 'node:assert/strict';
import { stateWorkloads } from '../../automation/modes/wiring';
import { shadowscaleConfig } from './helpers';

describe('wiring: which stacks a shard reads', () => {
  it('GIVEN total guardrails WHEN a shard owning one workload reads state THEN it reads every configured workload (their fleets count against the caps)', () => {
    const config = shadowscaleConfig(['api', 'web', 'worker'], { totalGuardrails: { maxVms: 100, maxSpendPerHour: Infinity } });
    assert.deepEqual(stateWorkloads(config, ['web']), ['api', 'web', 'worker']);
  });

  it('GIVEN no total guardrails WHEN a shard reads state THEN it reads only its own workloads', () => {
    const config = shadowscaleConfig(['api', 'web', 'worker'], { totalGuardrails: { maxVms: Infinity, maxSpendPerHour: Infinity } });
    assert.deepEqual(stateWorkloads(config, ['web']), ['web']);
  });
});
