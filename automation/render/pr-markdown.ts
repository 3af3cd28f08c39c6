/**
 * The PR comment: plain data in, markdown out. The hidden marker on the first line lets the
 * workflow find and update its one comment instead of adding a new one per push.
 */
import type { Decision, PlannedStatus } from '../fleet-plan';
import type { PreviewResult } from '../ports';
import type { ForecastSummary } from '../modes/run-once';

export const PREVIEW_MARKER = '<!-- shadowscale-preview -->';

/** GitHub rejects comments over 65,535 characters; leave room for the truncation note. */
export const MAX_COMMENT_CHARS = 64_000;

/** A generation as the comment shows it (running: the floor the plan asks for). */
export type GenerationRow = Pick<PlannedStatus, 'name' | 'role' | 'state' | 'placementId' | 'running' | 'suspended' | 'stopped' | 'weight'>;

export interface PrPreviewWorkload {
  workload: string;
  error?: string;
  forecast?: ForecastSummary;
  decisions: Decision[];
  changes: PreviewResult['changes'];
  generations: { name: string; change: 'added' | 'removed' | 'changed' | 'same'; before?: GenerationRow; after?: GenerationRow }[];
  /** Per hour; basePerHour undefined when there is nothing to compare with. */
  cost?: { basePerHour?: number; newPerHour: number; baseLabel: string };
}

export interface PrPreview {
  configFile: string;
  baseRef?: string;
  /** Where the resource changes come from. */
  source: 'offline' | 'pulumi';
  createdAt: string;
  workloads: PrPreviewWorkload[];
  /** Engine output, shown folded. */
  log?: string;
}

/** Few digits for people: 1234, 12.3, 1.23, 0.012. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  const a = Math.abs(n);
  const text = a >= 100 ? n.toFixed(0) : a >= 10 ? n.toFixed(1) : a >= 0.1 || a === 0 ? n.toFixed(2) : n.toPrecision(2);
  return text.includes('.') && !text.includes('e') ? text.replace(/\.?0+$/, '') : text;
}

function signed(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  return `${n > 0 ? '+' : n < 0 ? '−' : '±'}${formatNumber(Math.abs(n))}`;
}

/** Table cells: a pipe or a newline would break the row. */
function cell(text: string | number): string {
  return String(text).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function percentile(level: string): string {
  return `p${String(Math.round(Number(level) * 1000) / 10)}`;
}

export function forecastLine(f: ForecastSummary): string {
  const levels = f.levels;
  const top = levels[levels.length - 1];
  const next = levels.map((l) => `${percentile(l)} ${formatNumber(f.next[l])}`).join(' · ');
  const stepMin = f.stepMs / 60_000;
  const hours = (f.horizonSteps * f.stepMs) / 3_600_000;
  const signals = f.signals ? ` (in ${f.signals[0].name} units; the VMs needed follow ${f.bindingAtPeak} there)` : '';
  return `**Forecast** (${f.model}, ${formatNumber(stepMin)} min steps, next ${formatNumber(hours)} h from ${f.originTime}): next step ${next}; peak ${percentile(top)} ${formatNumber(f.peak[top])} at ${f.peakAt}${signals}`;
}

const OP_ORDER = ['create', 'update', 'replace', 'delete', 'same'] as const;

function changeCounts(changes: PreviewResult['changes']): string {
  const counts = OP_ORDER.map((op) => [op, changes.filter((c) => c.op === op).length] as const).filter(([op, n]) => n > 0 && op !== 'same');
  return counts.length ? counts.map(([op, n]) => `${n} to ${op}`).join(', ') : 'no changes';
}

function generationTable(rows: PrPreviewWorkload['generations']): string[] {
  if (rows.length === 0) return ['_No generations planned._'];
  const show = (r?: GenerationRow) => (r ? `${r.running} / ${r.suspended} / ${r.stopped}` : '—');
  const lines = ['| generation | change | role · state | placement | running / suspended / stopped | weight |', '|---|---|---|---|---|---|'];
  for (const g of rows) {
    const now = g.after ?? g.before!;
    const roleState = g.before && g.after && (g.before.role !== g.after.role || g.before.state !== g.after.state) ? `${g.before.role} · ${g.before.state} → ${g.after.role} · ${g.after.state}` : `${now.role} · ${now.state}`;
    const sizes = g.change === 'changed' ? `${show(g.before)} → ${show(g.after)}` : show(now);
    const weight = g.change === 'changed' && g.before!.weight !== g.after!.weight ? `${g.before!.weight} → ${g.after!.weight}` : String(now.weight);
    lines.push(`| \`${cell(g.name)}\` | ${g.change} | ${cell(roleState)} | ${cell(now.placementId)} | ${sizes} | ${weight} |`);
  }
  return lines;
}

function workloadSection(w: PrPreviewWorkload): string[] {
  const out = [`#### ${cell(w.workload)}`, ''];
  if (w.error) out.push(`> [!CAUTION]`, `> ${cell(w.error)}`, '');
  if (w.forecast) out.push(forecastLine(w.forecast), '');
  out.push('**Planned generations**', '', ...generationTable(w.generations), '');
  if (w.decisions.length) {
    out.push('**Why**', '');
    for (const d of w.decisions) out.push(`- \`${cell(d.code)}\`${d.generation ? ` (${cell(d.generation)})` : ''}: ${cell(d.message)}`);
    out.push('');
  }
  const changed = w.changes.filter((c) => c.op !== 'same');
  out.push(`**Resource changes**: ${changeCounts(w.changes)}`, '');
  if (changed.length) {
    out.push('| op | type | resource | changed |', '|---|---|---|---|');
    for (const c of changed) {
      const flag = (c.op === 'delete' || c.op === 'replace') && /instanceGroupManager|backendService/i.test(c.type) ? ' ⚠️' : '';
      out.push(`| ${c.op}${flag} | \`${cell(c.type)}\` | \`${cell(c.resource)}\` | ${cell(c.detail ?? '')} |`);
    }
    out.push('');
  }
  if (w.cost) {
    const { basePerHour, newPerHour, baseLabel } = w.cost;
    out.push(basePerHour === undefined
      ? `**Cost per hour**: ${formatNumber(newPerHour)}`
      : `**Cost per hour**: ${formatNumber(basePerHour)} (${baseLabel}) → ${formatNumber(newPerHour)} (${signed(newPerHour - basePerHour)})`, '');
  }
  return out;
}

export function renderPrMarkdown(preview: PrPreview): string {
  const failed = preview.workloads.filter((w) => w.error).length;
  const totals = preview.workloads.reduce((t, w) => ({ base: t.base + (w.cost?.basePerHour ?? 0), next: t.next + (w.cost?.newPerHour ?? 0) }), { base: 0, next: 0 });
  const compared = preview.workloads.some((w) => w.cost?.basePerHour !== undefined);
  const costText = compared ? `cost per hour ${formatNumber(totals.base)} → ${formatNumber(totals.next)} (${signed(totals.next - totals.base)})` : `cost per hour ${formatNumber(totals.next)}`;
  const source = preview.source === 'offline' ? 'offline (stack program under Pulumi mocks)' : '`pulumi preview` against the live stacks';
  const head = [
    PREVIEW_MARKER,
    '### shadowscale preview',
    '',
    `\`${cell(preview.configFile)}\`${preview.baseRef ? ` vs \`${cell(preview.baseRef)}\`` : ''} · ${preview.workloads.length} workload(s)${failed ? ` · **${failed} with errors**` : ''} · resource changes: ${source} · ${costText}`,
    '',
  ];
  const body = preview.workloads.flatMap(workloadSection);
  const foot = [`<sub>made ${preview.createdAt}</sub>`];
  const log = preview.log?.trim()
    ? ['', '<details><summary>Engine output</summary>', '', '```', stripAnsi(preview.log.trim()).replace(/```/g, "'''"), '```', '</details>', '']
    : [];
  let text = [...head, ...body, ...log, ...foot].join('\n');
  if (text.length > MAX_COMMENT_CHARS) {
    // Keep the summary and the per-workload sections; the engine log goes first, then the tail.
    text = [...head, ...body, ...foot].join('\n');
    if (text.length > MAX_COMMENT_CHARS) {
      const note = '\n\n_…truncated: the preview is longer than a GitHub comment allows. Run `shadowscale preview` locally for all of it._';
      text = text.slice(0, MAX_COMMENT_CHARS - note.length) + note;
    }
  }
  return text + '\n';
}

function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
}
