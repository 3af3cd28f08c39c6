import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { templateHash } from '../../stacks/components/workload';
import * as plans from './plans';

describe('instance template names', () => {
  const g = plans.primaryOnly().workloads[0]!.generations[0]!;
  const base = { network: 'default', vmServiceAccountEmail: undefined };

  it('GIVEN a change of the template labels only WHEN hashing THEN the name changes (the replacement is created before the old one is deleted, so it cannot reuse the name)', () => {
    assert.notEqual(templateHash(g, { ...base, labels: { team: 'sre' } }), templateHash(g, { ...base, labels: {} }));
    assert.notEqual(templateHash(g, { ...base, labels: { team: 'sre' } }), templateHash(g, { ...base, labels: { team: 'web' } }));
  });

  it('GIVEN the same labels in another order WHEN hashing THEN the name is the same (no needless roll)', () => {
    assert.equal(templateHash(g, { ...base, labels: { a: '1', b: '2' } }), templateHash(g, { ...base, labels: { b: '2', a: '1' } }));
  });

  it('GIVEN no labels WHEN hashing THEN the name is the one earlier versions gave, so an upgrade rolls no template', () => {
    const t = g.instanceTemplate;
    const before = createHash('sha256').update(JSON.stringify([t.version, t.machineType, t.image, t.startupScript ?? null, 'default', null])).digest('hex').slice(0, 8);
    assert.equal(templateHash(g, { ...base, labels: {} }), before);
  });
});
