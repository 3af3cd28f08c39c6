import assert from 'node:assert/strict';
import { MAX_COMMENT_CHARS, PREVIEW_MARKER, formatNumber, renderPrMarkdown, type PrPreview, type PrPreviewWorkload } from '../../automation/render/pr-markdown';

function web(overrides: Partial<PrPreviewWorkload> = {}): PrPreviewWorkload {
  return {
    workload: 'web',
    forecast: { model: 'mstl', originTime: '2025-03-10T12:00:00.000Z', stepMs: 300_000, horizonSteps: 24, levels: ['0.5', '0.95'], next: { '0.5': 120, '0.95': 150.4 }, peak: { '0.5': 200, '0.95': 310 }, peakAt: '2025-03-10T13:05:00.000Z' },
    decisions: [{ workload: 'web', code: 'shadow.standby', generation: 'web-g2', message: 'contention probability 0.31 > 0.2: keep 2 suspended VMs', numbers: { p: 0.31 } }],
    changes: [
      { workload: 'web', resource: 'web-g2-mig', type: 'gcp:compute/instanceGroupManager:InstanceGroupManager', op: 'create' },
      { workload: 'web', resource: 'web-urlmap', type: 'gcp:compute/uRLMap:URLMap', op: 'update', detail: 'weight | split' },
      { workload: 'web', resource: 'web-g0-mig', type: 'gcp:compute/instanceGroupManager:InstanceGroupManager', op: 'delete' },
      { workload: 'web', resource: 'web-health', type: 'gcp:compute/healthCheck:HealthCheck', op: 'same' },
    ],
    generations: [
      { name: 'web-g1', change: 'changed', before: { name: 'web-g1', role: 'primary', state: 'active', placementId: 'a/n2', running: 4, suspended: 0, stopped: 0, weight: 1000 }, after: { name: 'web-g1', role: 'primary', state: 'active', placementId: 'a/n2', running: 5, suspended: 0, stopped: 0, weight: 1000 } },
      { name: 'web-g2', change: 'added', after: { name: 'web-g2', role: 'shadow', state: 'standby', placementId: 'b/n2d', running: 0, suspended: 2, stopped: 0, weight: 0 } },
    ],
    cost: { basePerHour: 0.8, newPerHour: 1.028, baseLabel: 'base plan' },
    ...overrides,
  };
}

const preview = (workloads: PrPreviewWorkload[], extra: Partial<PrPreview> = {}): PrPreview => ({ configFile: 'shadowscale.yaml', baseRef: 'origin/main', source: 'offline', createdAt: '2025-03-10T12:00:00.000Z', workloads, ...extra });

describe('renderPrMarkdown', () => {
  it('GIVEN a preview WHEN rendered THEN the hidden marker is the first line so the workflow can find its comment', () => {
    assert.equal(renderPrMarkdown(preview([web()])).split('\n')[0], PREVIEW_MARKER);
  });

  it('GIVEN a workload WHEN rendered THEN the forecast is one line with next and peak quantiles', () => {
    const md = renderPrMarkdown(preview([web()]));
    const line = md.split('\n').find((l) => l.startsWith('**Forecast**'))!;
    assert.equal(line, '**Forecast** (mstl, 5 min steps, next 2 h from 2025-03-10T12:00:00.000Z): next step p50 120 · p95 150; peak p95 310 at 2025-03-10T13:05:00.000Z');
  });

  it('GIVEN generation changes and decisions WHEN rendered THEN sizes show before → after and each reason is listed with its code', () => {
    const md = renderPrMarkdown(preview([web()]));
    assert.ok(md.includes('| `web-g1` | changed | primary · active | a/n2 | 4 / 0 / 0 → 5 / 0 / 0 | 1000 |'));
    assert.ok(md.includes('| `web-g2` | added | shadow · standby | b/n2d | 0 / 2 / 0 | 0 |'));
    assert.ok(md.includes('- `shadow.standby` (web-g2): contention probability 0.31 > 0.2: keep 2 suspended VMs'));
  });

  it('GIVEN resource changes WHEN rendered THEN unchanged ones are counted out, pipes are escaped and a MIG delete is flagged', () => {
    const md = renderPrMarkdown(preview([web()]));
    assert.ok(md.includes('**Resource changes**: 1 to create, 1 to update, 1 to delete'));
    assert.ok(md.includes('| update | `gcp:compute/uRLMap:URLMap` | `web-urlmap` | weight \\| split |'));
    assert.ok(md.includes('| delete ⚠️ | `gcp:compute/instanceGroupManager:InstanceGroupManager` | `web-g0-mig` |'));
    assert.ok(!md.includes('web-health'));
  });

  it('GIVEN base and new costs WHEN rendered THEN the per-workload and total change are signed', () => {
    const md = renderPrMarkdown(preview([web(), web({ workload: 'api', cost: { basePerHour: 2, newPerHour: 1.5, baseLabel: 'base plan' } })]));
    assert.ok(md.includes('**Cost per hour**: 0.8 (base plan) → 1.03 (+0.23)'));
    assert.ok(md.includes('cost per hour 2.8 → 2.53 (−0.27)'));
  });

  it('GIVEN a workload that failed WHEN rendered THEN its error is shown and counted in the header', () => {
    const md = renderPrMarkdown(preview([web({ error: 'forecast: web.csv: column "value" not found', forecast: undefined })]));
    assert.ok(md.includes('**1 with errors**'));
    assert.ok(md.includes('> forecast: web.csv: column "value" not found'));
  });

  it('GIVEN a huge engine log WHEN rendered THEN the comment stays under the GitHub limit and keeps every workload', () => {
    const md = renderPrMarkdown(preview([web()], { log: 'x'.repeat(200_000) }));
    assert.ok(md.length <= MAX_COMMENT_CHARS + 1);
    assert.ok(md.includes('#### web'));
    assert.ok(!md.includes('Engine output'));
  });

  it('GIVEN numbers of any size WHEN formatted THEN few digits are shown', () => {
    assert.deepEqual([1234.5, 12.34, 1.234, 0.5, 0.01234, 0].map(formatNumber), ['1235', '12.3', '1.23', '0.5', '0.012', '0']);
  });
});
