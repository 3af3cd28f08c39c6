import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { MAX_DECISION_ROWS, escapeHtml, oracleCumulativeCost, renderBacktestReport, renderReplayReport } from '../../automation/render/report';
import { downsampleRows, MAX_POINTS_PER_LINE } from '../../automation/render/charts';
import { ShadowscaleError } from '../../automation/errors';
import { makeBacktest, makeReplay } from './fixtures';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const OUTPUT_DIR = join(__dirname, '..', '..', 'test-output');
const HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script>';

interface ChartCheck {
  name: string;
  svgs: number;
  marks: number;
  longestPath: number;
  axisLabels: string[];
}

/** Opens a report file in headless Chromium, records every request, and inspects each chart. */
async function inspectInBrowser(context: BrowserContext, file: string, screenshot: string): Promise<{ charts: ChartCheck[]; requests: string[]; scripts: number; injected: number }> {
  const requests: string[] = [];
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    requests.push(url);
    if (url.startsWith('file:')) await route.continue();
    else await route.abort();
  });
  const page = await context.newPage();
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  const charts = await page.$$eval('figure[data-chart]', (figures) =>
    figures.map((f) => {
      const paths = Array.from(f.querySelectorAll('svg g.role-mark path, svg g.role-mark rect'));
      return {
        name: f.getAttribute('data-chart') ?? '',
        svgs: f.querySelectorAll('svg').length,
        marks: paths.length,
        longestPath: Math.max(0, ...paths.map((p) => (p.getAttribute('d') ?? '').length)),
        axisLabels: Array.from(f.querySelectorAll('svg g.role-axis-label text, svg g.role-axis-title text')).map((t) => t.textContent ?? ''),
      };
    }),
  );
  const scripts = await page.locator('script').count();
  const injected = await page.locator('img[src="x"]').count();
  await page.screenshot({ path: screenshot, fullPage: true });
  await page.close();
  return { charts, requests, scripts, injected };
}

function assertChartDrawn(chart: ChartCheck | undefined, name: string): void {
  assert.ok(chart, `chart ${name} is missing`);
  assert.equal(chart.svgs, 1, `chart ${name}: expected one inline svg`);
  assert.ok(chart.marks > 0, `chart ${name}: no path/rect marks`);
  // A line over hundreds of points has a long path; an empty or one-point mark does not.
  assert.ok(chart.longestPath > 500, `chart ${name}: longest mark path has ${chart.longestPath} chars, expected data drawn`);
  assert.ok(chart.axisLabels.filter((t) => t.trim() !== '').length >= 4, `chart ${name}: axis labels missing (${JSON.stringify(chart.axisLabels)})`);
}

describe('HTML reports in headless Chromium', function () {
  this.timeout(60_000);
  let context: BrowserContext | undefined;
  let profile: string | undefined;
  let work: string;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium not found at ${CHROMIUM}: run scripts/install-chromium.sh (or set CHROMIUM_PATH) before the report tests`);
    }
    work = mkdtempSync(join(tmpdir(), 'shadowscale-report-'));
    profile = mkdtempSync(join(tmpdir(), 'shadowscale-chromium-profile-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1000, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    mkdirSync(OUTPUT_DIR, { recursive: true });
  });

  after(async function () {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('GIVEN a three-day replay with a forecast, weights and two references WHEN the report opens THEN every chart is drawn, nothing is fetched and hostile names stay text', async function () {
    const primary = makeReplay({ controller: `shadowscale ${HOSTILE}`, steps: 3 * 1440, seed: 1, withForecast: true, withWeights: true });
    primary.decisions[0]!.message = `spike ahead ${HOSTILE}`;
    const references = [makeReplay({ controller: 'reactive', steps: 3 * 1440, seed: 2, costFactor: 1.6 }), makeReplay({ controller: 'seasonal', steps: 3 * 1440, seed: 3, costFactor: 1.4 })];
    const warnings: string[] = [];
    const html = await renderReplayReport({ title: `Replay of web ${HOSTILE}`, source: 'trace.csv; shadowscale replay trace.csv --report out.html', primary, references, onWarning: (w) => warnings.push(w) });
    const file = join(work, 'replay.html');
    writeFileSync(file, html);

    const seen = await inspectInBrowser(context!, file, join(OUTPUT_DIR, 'report.png'));

    assert.deepEqual(warnings, []);
    assert.deepEqual(seen.requests.filter((u) => !u.startsWith('file:')), [], 'the page requested something over the network');
    assert.deepEqual(seen.charts.map((c) => c.name), ['demand', 'fleet', 'weights', 'cost']);
    for (const name of ['demand', 'fleet', 'weights', 'cost']) assertChartDrawn(seen.charts.find((c) => c.name === name), name);
    assert.ok(seen.charts.find((c) => c.name === 'demand')!.axisLabels.includes('time (UTC)'));
    assert.equal(seen.scripts, 0, 'an injected <script> became an element');
    assert.equal(seen.injected, 0, 'an injected <img> became an element');
    assert.ok(html.includes(escapeHtml(HOSTILE)), 'the hostile text is shown escaped');
  });

  it('GIVEN a backtest with eight origins WHEN the report opens THEN the series, medians and bands are drawn and the score table marks the selected model', async function () {
    const input = makeBacktest({ points: 5000, origins: 8, horizon: 120, seed: 4 });
    const html = await renderBacktestReport(input);
    const file = join(work, 'backtest.html');
    writeFileSync(file, html);

    const seen = await inspectInBrowser(context!, file, join(OUTPUT_DIR, 'backtest.png'));

    assert.deepEqual(seen.requests.filter((u) => !u.startsWith('file:')), []);
    assert.deepEqual(seen.charts.map((c) => c.name), ['backtest']);
    assertChartDrawn(seen.charts[0], 'backtest');
    // One band and one median per origin, plus the actual line.
    assert.ok(seen.charts[0]!.marks >= 8 * 2 + 1, `expected ≥ 17 marks, got ${seen.charts[0]!.marks}`);
    assert.match(html, /<tr class="selected"><td>mstl <span class="note">\(selected\)<\/span><\/td>/);
  });
});

describe('replay report content (no browser)', function () {
  // The first render loads vega and vega-lite; give it room when run without .mocharc.json.
  this.timeout(30_000);

  it('GIVEN a week at one-minute steps WHEN rendered THEN each line has at most 2,000 points and the file stays under 1.5 MB', async function () {
    const primary = makeReplay({ controller: 'shadowscale', steps: 7 * 1440, seed: 5, withForecast: true, withWeights: true });
    const html = await renderReplayReport({ title: 't', source: 's', primary, references: [makeReplay({ controller: 'reactive', steps: 7 * 1440, seed: 6 })] });
    assert.ok(html.length < 1_500_000, `report is ${html.length} chars`);
    // Points per line = distinct x coordinates in its path (a step line draws two vertices per point).
    const lineMarks = [...html.matchAll(/aria-roledescription="line mark" d="([^"]+)"/g)].map((m) => new Set(m[1]!.split(/[ML]/).filter(Boolean).map((xy) => xy.split(',')[0])).size);
    assert.ok(lineMarks.length > 0);
    for (const n of lineMarks) assert.ok(n <= MAX_POINTS_PER_LINE, `a line has ${n} points`);
  });

  it('GIVEN a controller without generations or forecast WHEN rendered THEN the weights figure says so instead of drawing an empty chart', async function () {
    const html = await renderReplayReport({ title: 't', source: 's', primary: makeReplay({ controller: 'reactive', steps: 300, seed: 7 }), references: [] });
    assert.match(html, /<figure data-chart="weights" data-empty="true"><p class="note">No step split traffic across generations/);
    assert.match(html, /Demand\. This controller used no forecast\./);
    assert.match(html, /<figure data-chart="cost">/);
  });

  it('GIVEN more decisions than the table lists WHEN rendered THEN the rest are counted, not dropped silently', async function () {
    const primary = makeReplay({ controller: 'c', steps: 200, seed: 8 });
    primary.decisions = Array.from({ length: MAX_DECISION_ROWS + 7 }, (_, i) => ({ t: primary.steps[i % 200]!.t, workload: 'web', code: 'hold', message: `m${i}`, numbers: { i } }));
    const html = await renderReplayReport({ title: 't', source: 's', primary, references: [] });
    assert.match(html, new RegExp(`The first ${MAX_DECISION_ROWS} of ${MAX_DECISION_ROWS + 7} decisions are listed; the 7 later ones are not\\.`));
    assert.equal(html.match(/<code>hold<\/code>/g)?.length, MAX_DECISION_ROWS);
  });

  it('GIVEN a step with a non-numeric demand WHEN rendered THEN the error names the step and field', async function () {
    const primary = makeReplay({ controller: 'c', steps: 10, seed: 9 });
    (primary.steps[4] as unknown as { demand: unknown }).demand = 'lots';
    await assert.rejects(renderReplayReport({ title: 't', source: 's', primary, references: [] }), (err: unknown) => {
      assert.ok(err instanceof ShadowscaleError);
      assert.equal(err.kind, 'input');
      assert.match(err.message, /primary\.steps\[4\]\.demand: expected a number, got "lots"/);
      return true;
    });
  });

  it('GIVEN a history with a gap (steps without demand) WHEN rendered THEN the report is written, the gap is a missing point and the oracle runs nothing there', async function () {
    const primary = makeReplay({ controller: 'c', steps: 300, seed: 12 });
    for (let i = 100; i < 110; i++) primary.steps[i]!.demand = NaN;
    const html = await renderReplayReport({ title: 't', source: 's', primary, references: [] });
    assert.match(html, /<figure data-chart="demand">/);
    const cum = oracleCumulativeCost(primary);
    assert.ok(cum.every(Number.isFinite));
    assert.equal(cum[109], cum[99], 'no oracle cost over the gap');
  });

  it('GIVEN a replay whose first 100 steps are the warm-up WHEN rendered THEN the oracle line starts after it and ends at the summary oracle cost, and the page says the warm-up is not scored', async function () {
    const primary = makeReplay({ controller: 'c', steps: 300, seed: 13 });
    primary.summary.warmupSteps = 100;
    const cum = oracleCumulativeCost(primary);
    assert.equal(cum[99], 0, 'no oracle cost in the warm-up');
    assert.ok(Math.abs(cum[299]! - primary.summary.oracleCost) < 1e-6 * primary.summary.oracleCost);
    const html = await renderReplayReport({ title: 't', source: 's', primary, references: [] });
    assert.match(html, /The first 100 steps are the warm-up, run by the reactive fallback and not scored/);
  });

  it('GIVEN a step with a bad time WHEN rendered THEN the error names the reference and step', async function () {
    const reference = makeReplay({ controller: 'r', steps: 10, seed: 10 });
    reference.steps[2]!.t = 'yesterday';
    await assert.rejects(renderReplayReport({ title: 't', source: 's', primary: makeReplay({ controller: 'c', steps: 10, seed: 9 }), references: [reference] }), /references\[0\]\.steps\[2\]\.t: expected an ISO 8601 time, got "yesterday"/);
  });

  it('GIVEN any replay WHEN the oracle cost is spread over steps THEN it is cumulative and ends at the summary oracle cost', function () {
    const result = makeReplay({ controller: 'c', steps: 500, seed: 11 });
    const cum = oracleCumulativeCost(result);
    assert.equal(cum.length, 500);
    assert.ok(Math.abs(cum[cum.length - 1]! - result.summary.oracleCost) < 1e-6 * result.summary.oracleCost);
    for (let i = 1; i < cum.length; i++) assert.ok(cum[i]! >= cum[i - 1]!);
  });
});

describe('backtest report validation', function () {
  it('GIVEN an origin without a median WHEN rendered THEN the error names the origin', async function () {
    const input = makeBacktest({ points: 400, origins: 2, horizon: 20, seed: 12 });
    delete input.origins[1]!.quantiles['0.5'];
    await assert.rejects(renderBacktestReport(input), /origins\[1\]\.quantiles: expected a "0\.5" quantile/);
  });

  it('GIVEN a selected model without scores WHEN rendered THEN the error lists the scored models', async function () {
    const input = makeBacktest({ points: 400, origins: 2, horizon: 20, seed: 12 });
    input.selected = 'prophet';
    await assert.rejects(renderBacktestReport(input), /selected: expected one of the scored models \["mstl","seasonal-naive"\], got "prophet"/);
  });
});

describe('downsampleRows', function () {
  it('GIVEN 10,000 rows with one spike WHEN reduced to 2,000 with max THEN the spike survives and the count is bounded', function () {
    const rows = Array.from({ length: 10_000 }, (_, i) => ({ t: i, demand: i === 7777 ? 1e6 : 1, p50: 2 }));
    const out = downsampleRows(rows, 2000, { demand: 'max' });
    assert.ok(out.length <= 2000);
    assert.equal(Math.max(...out.map((r) => r['demand']!)), 1e6);
    assert.ok(out.every((r) => r['p50'] === 2));
  });

  it('GIVEN a bucket of nulls WHEN reduced THEN it stays null (a gap, not a zero)', function () {
    const rows = [{ t: 0, v: null }, { t: 1, v: null }, { t: 2, v: 3 }, { t: 3, v: 5 }];
    assert.deepEqual(downsampleRows(rows, 2, { v: 'min' }), [{ t: 0, v: null }, { t: 2, v: 3 }]);
  });
});
