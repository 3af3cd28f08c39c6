/**
 * shadowscale.yaml: JSON schema (ajv), defaults, and errors that name the file, the line, the
 * path in it and what was expected.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Ajv, { type ErrorObject } from 'ajv';
import { distance as levenshtein } from 'fastest-levenshtein';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { MAX_VM_WARMUP_SEC, type HistoryConfig, type ShadowscaleConfig, type SignalConfig, type StackOptionsConfig, type WorkloadConfig } from './config-types';
import { DURATION_EXPECTED, durationMs } from './duration';
import { ShadowscaleError, configProblemLine } from './errors';
import { checkHistoryFiles, type FileHistoryRef } from './history-files-check';
import { checkPlannerConfig } from './validate';

const duration = { type: 'string', pattern: '^(\\d+(\\.\\d+)?(ms|s|m|h|d|w))+$' } as const;
const positive = { type: 'number', exclusiveMinimum: 0 } as const;
const nonNegative = { type: 'number', minimum: 0 } as const;

const placementSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'region', 'machineType', 'pricePerHour'],
  properties: {
    id: { type: 'string', minLength: 1 },
    zone: { type: 'string', pattern: '^[a-z]+-[a-z]+[0-9]+-[a-z]$' },
    region: { type: 'string', pattern: '^[a-z]+-[a-z]+[0-9]+$' },
    machineType: { type: 'string', minLength: 1 },
    pricePerHour: positive,
    suspendedPricePerHour: nonNegative,
    stoppedPricePerHour: nonNegative,
    quotaVms: { type: 'integer', minimum: 1 },
  },
} as const;

/** A history block; `complete` is the workload's own, where the BigQuery table must be named in full. */
function historySchema(complete: boolean) {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      source: { enum: ['file', 'bigquery'] },
      file: { type: 'string' },
      valueColumn: { type: 'string' },
      timeColumn: { type: 'string' },
      step: duration,
      resample: duration,
      bigquery: {
        type: 'object',
        additionalProperties: false,
        required: complete ? [...BIGQUERY_REQUIRED] : [],
        properties: {
          project: { type: 'string' }, dataset: { type: 'string' }, table: { type: 'string' },
          location: { type: 'string' }, metricType: { type: 'string' },
          instanceGroup: { type: 'string' }, backendService: { type: 'string' },
          maximumBytesBilled: { type: 'string', pattern: '^[0-9]+$' },
          metricKind: { enum: ['GAUGE', 'DELTA', 'CUMULATIVE'] },
          recentMinutes: { type: 'integer', minimum: 0, maximum: 1440 },
        },
      },
    },
  } as const;
}

const BIGQUERY_REQUIRED = ['project', 'dataset', 'table', 'location', 'metricType'] as const;

const workloadSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'history', 'signals', 'placements'],
  properties: {
    name: { type: 'string', pattern: '^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$' },
    project: { type: 'string' },
    region: { type: 'string', pattern: '^[a-z]+-[a-z]+[0-9]+$' },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    healthCheckPath: { type: 'string', pattern: '^/' },
    image: { type: 'string', minLength: 1 },
    startupScript: { type: 'string' },
    templateVersion: { type: 'string', minLength: 1 },
    history: historySchema(true),
    signals: {
      type: 'array', minItems: 1,
      items: {
        type: 'object', additionalProperties: false, required: ['name', 'capacityPerVm'],
        // A signal's history is an override merged onto the workload's, so its bigquery part may be partial.
        properties: { name: { type: 'string', minLength: 1 }, capacityPerVm: positive, history: historySchema(false) },
      },
    },
    slo: { type: 'object', additionalProperties: false, properties: { servedPct: { type: 'number', exclusiveMinimum: 0, maximum: 100 } } },
    unservedPenaltyPerVmHour: positive,
    targetUtilization: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
    latencies: { type: 'object', additionalProperties: false, properties: { boot: duration, resume: duration, start: duration } },
    guardrails: {
      type: 'object', additionalProperties: false,
      properties: {
        maxVms: { type: 'integer', minimum: 1 }, maxSpendPerHour: positive,
        maxWeightStepPerTick: { type: 'integer', minimum: 1, maximum: 1000 },
        freeze: { type: 'boolean' }, drain: duration,
      },
    },
    placements: { type: 'array', minItems: 1, items: placementSchema },
    priority: { type: 'integer' },
    horizon: duration,
    contentionThreshold: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
  },
} as const;

export const configSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['version', 'workloads'],
  properties: {
    version: { const: 1 },
    project: { type: 'string' },
    tick: duration,
    planAt: { anyOf: [{ const: 'history-end' }, { type: 'string', format: 'date-time' }] },
    quantiles: { type: 'array', minItems: 1, items: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 } },
    records: { type: 'string' },
    limits: { type: 'object', additionalProperties: false, properties: { maxVms: { type: 'integer', minimum: 1 }, maxSpendPerHour: positive } },
    deployer: {
      type: 'object', additionalProperties: false,
      properties: {
        kind: { enum: ['sim', 'pulumi'] }, backend: { type: 'string', pattern: '^(gs|s3|azblob|file|https)://' },
        secretsProvider: { type: 'string' }, stackPrefix: { type: 'string', pattern: '^[a-zA-Z][-a-zA-Z0-9_.]*$' },
        concurrency: { type: 'integer', minimum: 1, maximum: 64 }, retries: { type: 'integer', minimum: 0, maximum: 10 },
        stack: {
          type: 'object', additionalProperties: false,
          properties: {
            network: { type: 'string', minLength: 1 },
            // A project's own accounts (...iam.gserviceaccount.com) or the default compute one (...developer.gserviceaccount.com).
            vmServiceAccount: { type: 'string', pattern: '^[^@\\s]+@[^@\\s]+\\.gserviceaccount\\.com$' },
            vmWarmup: duration,
            frontend: { type: 'boolean' },
            // GCP label rules: lowercase keys starting with a letter, values of lowercase, digits, - and _.
            labels: { type: 'object', maxProperties: 32, propertyNames: { pattern: '^[a-z][a-z0-9_-]{0,62}$' }, additionalProperties: { type: 'string', pattern: '^[a-z0-9_-]{0,63}$' } },
          },
        },
      },
    },
    workloads: { type: 'array', minItems: 1, items: workloadSchema },
    events: {
      type: 'array',
      items: {
        type: 'object', additionalProperties: false, required: ['name', 'start', 'duration', 'multiplier'],
        properties: { name: { type: 'string' }, workload: { type: 'string' }, start: { type: 'string', format: 'date-time' }, duration, multiplier: positive },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: true });
ajv.addFormat('date-time', { validate: (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)) });
const validateRaw = ajv.compile(configSchema);

function expectedText(e: ErrorObject): string {
  switch (e.keyword) {
    case 'required': return `missing required field "${(e.params as { missingProperty: string }).missingProperty}"`;
    case 'additionalProperties': return unknownFieldText((e.params as { additionalProperty: string }).additionalProperty, knownFields(e.schemaPath));
    case 'enum': return `expected one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'pattern': {
      const pattern = (e.params as { pattern: string }).pattern;
      return pattern === duration.pattern ? 'expected a duration such as 30s, 5m, 1h30m' : `expected text matching ${pattern}`;
    }
    case 'format': return 'expected an ISO 8601 date-time such as 2026-12-01T10:00:00Z';
    case 'anyOf': return 'expected "history-end" or an ISO 8601 date-time such as 2026-12-01T10:00:00Z';
    case 'type': return `expected ${(e.params as { type: string }).type}`;
    case 'const': return `expected ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    case 'minItems': return `expected at least ${(e.params as { limit: number }).limit} item(s)`;
    case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum':
      return `expected a number ${(e.params as { comparison: string }).comparison} ${(e.params as { limit: number }).limit}`;
    default: return `expected a value that ${e.message ?? 'is valid'}`;
  }
}

/** The fields of the object schema an `additionalProperties` error's schemaPath (`#/properties/x/additionalProperties`) sits in. */
function knownFields(schemaPath: string): string[] {
  let node: unknown = configSchema;
  for (const part of schemaPath.split('/').slice(1, -1)) node = (node as Record<string, unknown> | undefined)?.[decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~')];
  const properties = (node as { properties?: object } | undefined)?.properties;
  return properties ? Object.keys(properties) : [];
}

/**
 * The message of a key the schema does not know. A typo (case, or up to two edits on a name
 * at least twice the edits long) names the field meant; anything
 * else lists the fields that exist there.
 */
function unknownFieldText(key: string, known: readonly string[]): string {
  const scored = known.map((k) => ({ k, d: k.toLowerCase() === key.toLowerCase() ? 0 : levenshtein(key.toLowerCase(), k.toLowerCase()) }));
  const best = scored.filter((x) => x.d <= Math.min(2, Math.floor(x.k.length / 2))).sort((a, b) => a.d - b.d)[0];
  if (best) return `unknown field, did you mean "${best.k}"?`;
  return known.length ? `unknown field, expected one of ${known.map((k) => `"${k}"`).join(', ')}` : 'unknown field';
}

type LineOf = (path: string) => number | undefined;

/**
 * The line of a dotted config path (`workloads.0.history`): of its key in a mapping or its item
 * in a sequence, so a block value points at the line that names it. A path the file does not
 * hold (a default broke a rule) takes the line of its nearest ancestor that it does, and the top
 * level that of the document's first node (line 1 for an empty file).
 */
function lineFinder(doc: Document, lineCounter: LineCounter): LineOf {
  const topLine = doc.contents?.range ? lineCounter.linePos(doc.contents.range[0]).line : 1;
  return (path) => {
    const keys = path.split('.').filter(Boolean);
    for (let n = keys.length; n > 0; n--) {
      const parent = n === 1 ? doc.contents : doc.getIn(keys.slice(0, n - 1).map((k) => (/^\d+$/.test(k) ? Number(k) : k)), true);
      const key = keys[n - 1];
      let range: readonly number[] | null | undefined;
      if (isMap(parent)) range = (parent.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === key)?.key as { range?: readonly number[] | null } | undefined)?.range;
      else if (isSeq(parent) && /^\d+$/.test(key)) range = (parent.items[Number(key)] as { range?: readonly number[] | null } | undefined)?.range;
      if (range) return lineCounter.linePos(range[0]).line;
    }
    return topLine;
  };
}

/** A validated configuration with what `validate` needs to check its files and point at their lines. */
interface ParsedConfig {
  config: ShadowscaleConfig;
  lineOf: LineOf;
  fileHistories: FileHistoryRef[];
}

/** Parses and validates config text; `file` is used for messages and relative paths. */
export function parseConfig(text: string, file: string): ShadowscaleConfig {
  return parseConfigText(text, file).config;
}

function parseConfigText(text: string, file: string): ParsedConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    throw new ShadowscaleError('config', 'config.yaml', `${file}:${err.linePos?.[0]?.line ?? '?'}: not valid YAML: ${err.message.split('\n')[0]}`, { file });
  }
  const raw = doc.toJS() as Record<string, unknown>;
  const lineOf = lineFinder(doc, lineCounter);
  if (!validateRaw(raw)) {
    const messages = (validateRaw.errors ?? []).slice(0, 8).map((e) => {
      const at = e.instancePath.split('/').filter(Boolean);
      // An unknown field is named by its own key, so the line is the typo's, not its parent's.
      if (e.keyword === 'additionalProperties') at.push((e.params as { additionalProperty: string }).additionalProperty);
      const path = at.join('.');
      return configProblemLine(file, lineOf(path), path, expectedText(e));
    });
    throw new ShadowscaleError('config', 'config.invalid', messages.join('\n'), { file, errors: validateRaw.errors });
  }
  const fileHistories: FileHistoryRef[] = [];
  const config = normalize(raw as unknown as RawConfig, file, lineOf, fileHistories);
  return { config, lineOf, fileHistories };
}

/** deployer.stack in the file → the stack program's options (only what is set). */
function stackOptions(raw: NonNullable<NonNullable<RawConfig['deployer']>['stack']> | undefined, ms: (text: string, path: string) => number, problem: (path: string, expected: string) => void): StackOptionsConfig {
  const out: StackOptionsConfig = {};
  if (!raw) return out;
  if (raw.network !== undefined) out.network = raw.network;
  if (raw.vmServiceAccount !== undefined) out.vmServiceAccountEmail = raw.vmServiceAccount;
  if (raw.vmWarmup !== undefined) {
    const sec = ms(raw.vmWarmup, 'deployer.stack.vmWarmup') / 1000;
    if (!Number.isNaN(sec) && (!Number.isInteger(sec) || sec > MAX_VM_WARMUP_SEC)) problem('deployer.stack.vmWarmup', `expected whole seconds up to ${MAX_VM_WARMUP_SEC / 3600}h, got ${raw.vmWarmup}`);
    out.vmWarmupSec = sec;
  }
  if (raw.frontend !== undefined) out.frontend = raw.frontend;
  if (raw.labels !== undefined) out.labels = { ...raw.labels };
  return out;
}

function readConfigText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ShadowscaleError('config', 'config.unreadable', `${path}: cannot read the configuration file (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { file: path });
  }
}

export function loadConfig(path: string): ShadowscaleConfig {
  return parseConfig(readConfigText(path), path);
}

/**
 * `loadConfig`, and every file history opened as the run would (its header or schema only), so a
 * missing file or column is a config error now rather than a failed tick later. BigQuery
 * histories are not checked: that needs the network and credentials.
 */
export async function validateConfigFile(path: string): Promise<ShadowscaleConfig> {
  const { config, lineOf, fileHistories } = parseConfigText(readConfigText(path), path);
  await checkHistoryFiles(fileHistories, path, lineOf);
  return config;
}

// The raw YAML shape, as the schema above admits it.
interface RawHistory {
  source?: 'file' | 'bigquery'; file?: string; valueColumn?: string; timeColumn?: string; step?: string; resample?: string;
  bigquery?: Partial<NonNullable<HistoryConfig['bigquery']>>;
}
interface RawWorkload {
  name: string; project?: string; region?: string; port?: number; healthCheckPath?: string; image?: string;
  startupScript?: string; templateVersion?: string;
  history: RawHistory;
  signals: { name: string; capacityPerVm: number; history?: RawHistory }[];
  slo?: { servedPct?: number }; unservedPenaltyPerVmHour?: number; targetUtilization?: number;
  latencies?: { boot?: string; resume?: string; start?: string };
  guardrails?: { maxVms?: number; maxSpendPerHour?: number; maxWeightStepPerTick?: number; freeze?: boolean; drain?: string };
  placements: { id: string; zone?: string; region: string; machineType: string; pricePerHour: number; suspendedPricePerHour?: number; stoppedPricePerHour?: number; quotaVms?: number }[];
  priority?: number; horizon?: string; contentionThreshold?: number;
}
interface RawConfig {
  version: 1; project?: string; tick?: string; planAt?: string; quantiles?: number[]; records?: string;
  limits?: { maxVms?: number; maxSpendPerHour?: number };
  deployer?: { kind?: 'sim' | 'pulumi'; backend?: string; secretsProvider?: string; stackPrefix?: string; concurrency?: number; retries?: number; stack?: { network?: string; vmServiceAccount?: string; vmWarmup?: string; frontend?: boolean; labels?: Record<string, string> } };
  workloads: RawWorkload[];
  events?: { name: string; workload?: string; start: string; duration: string; multiplier: number }[];
}

/** Relative prices of DESIGN.md's fleet model: suspended 8 %, stopped 4 % of running. */
const SUSPENDED_PRICE_RATIO = 0.08;
const STOPPED_PRICE_RATIO = 0.04;

/**
 * A signal's history override on the workload's: the fields given replace the workload's, and
 * `bigquery` merges one level so naming another metric is enough.
 */
function mergeHistory(base: RawHistory, override: RawHistory | undefined): RawHistory {
  if (!override) return base;
  const sourceOf = (h: RawHistory) => h.source ?? (h.bigquery ? 'bigquery' : 'file');
  const own = override.source ?? (override.file !== undefined ? 'file' : override.bigquery ? 'bigquery' : undefined);
  // An override that reads another kind of source stands alone: merged, it would keep the
  // workload's source and silently read the workload's data under the signal's name.
  if (own !== undefined && own !== sourceOf(base)) return { ...override, source: own };
  const merged: RawHistory = { ...base, ...override };
  if (base.bigquery || override.bigquery) {
    const inherited = { ...base.bigquery };
    // The group a metric is read for is one choice: naming an instance group or a backend
    // service replaces the other (CPU per instance group beside requests per backend service).
    if (override.bigquery?.instanceGroup !== undefined || override.bigquery?.backendService !== undefined) {
      delete inherited.instanceGroup;
      delete inherited.backendService;
    }
    merged.bigquery = { ...inherited, ...override.bigquery };
  }
  return merged;
}

type Problem = (path: string, expected: string) => void;
type DurationMs = (text: string, path: string) => number;

/** A raw history block (merged) → resolved; problems are named under `at`. */
function resolveHistory(h: RawHistory, at: string, base: string, problem: Problem, ms: DurationMs): HistoryConfig {
  const source = h.source ?? (h.bigquery ? 'bigquery' : 'file');
  if (source === 'file' && (!h.file || !h.valueColumn)) problem(at, 'expected "file" and "valueColumn" for a file history');
  if (source === 'file' && !h.timeColumn && !h.step) problem(at, 'expected "timeColumn" or "step" (row clock)');
  if (source === 'bigquery' && !h.bigquery) problem(`${at}.bigquery`, 'expected the export table settings');
  let bigquery: HistoryConfig['bigquery'];
  const bq = h.bigquery;
  if (bq) {
    const missing = BIGQUERY_REQUIRED.filter((k) => !bq[k]);
    if (missing.length) problem(`${at}.bigquery`, `expected ${missing.map((k) => `"${k}"`).join(', ')} (neither here nor in the workload's history)`);
    else bigquery = bq as NonNullable<HistoryConfig['bigquery']>;
    // The query filters on exactly one group label (forecaster/sources/bigquery.ts): neither or
    // both would otherwise pass here and fail at the first tick.
    if ((bq.instanceGroup === undefined) === (bq.backendService === undefined)) {
      problem(`${at}.bigquery`, `expected exactly one of "instanceGroup" and "backendService", got ${bq.instanceGroup === undefined ? 'neither' : 'both'}`);
    }
  }
  return {
    source,
    file: h.file ? resolve(base, h.file) : undefined,
    valueColumn: h.valueColumn,
    timeColumn: h.timeColumn,
    stepSec: h.step ? ms(h.step, `${at}.step`) / 1000 : undefined,
    resampleSec: h.resample ? ms(h.resample, `${at}.resample`) / 1000 : undefined,
    bigquery,
  };
}

/**
 * Each signal's history resolved. The first defaults to the workload's; every later one must
 * say what it reads differently, since a second signal reading the same data counts one
 * demand twice under two capacities.
 */
function resolveSignals(w: RawWorkload, i: number, base: string, problem: Problem, ms: DurationMs, fileHistories: FileHistoryRef[]): Required<SignalConfig>[] {
  const seen = new Map<string, number>();
  const histories: string[] = [];
  const at = `workloads.${i}`;
  return w.signals.map((s, j) => {
    const sat = `${at}.signals.${j}`;
    const earlier = seen.get(s.name);
    if (earlier !== undefined) problem(`${sat}.name`, `expected unique signal names within a workload, "${s.name}" is already ${at}.signals.${earlier}`);
    else seen.set(s.name, j);
    if (j > 0 && !s.history) problem(`${sat}.history`, 'expected the history of this signal (the workload\'s history is the first signal\'s)');
    // Without an override the signal reads the workload's history, and problems are named there.
    const hat = s.history ? `${sat}.history` : `${at}.history`;
    // Problems of the workload's own history are named once, by the first signal.
    const report: Problem = j > 0 && !s.history ? () => undefined : problem;
    const merged = mergeHistory(w.history, s.history);
    const history = resolveHistory(merged, hat, base, report, ms);
    if (history.source === 'file' && merged.file !== undefined && history.file !== undefined) {
      // Each field is named where it is written: a signal's override, or the workload's history.
      const where = (field: 'file' | 'valueColumn' | 'timeColumn') => (s.history?.[field] !== undefined ? `${sat}.history.${field}` : `${at}.history.${field}`);
      const columns = (['valueColumn', 'timeColumn'] as const).flatMap((field) => (merged[field] !== undefined ? [{ name: merged[field], path: where(field) }] : []));
      fileHistories.push({ file: history.file, written: merged.file, filePath: where('file'), columns });
    }
    const key = JSON.stringify(history);
    const same = histories.indexOf(key);
    if (j > 0 && s.history && same >= 0) problem(`${sat}.history`, `expected another column or metric than ${at}.signals.${same} ("${w.signals[same].name}") reads`);
    histories.push(key);
    return { name: s.name, capacityPerVm: s.capacityPerVm, history };
  });
}

function normalize(raw: RawConfig, file: string, lineOf: LineOf, fileHistories: FileHistoryRef[]): ShadowscaleConfig {
  const base = dirname(resolve(file));
  const problems: string[] = [];
  const problem = (path: string, expected: string) => problems.push(configProblemLine(file, lineOf(path), path, expected));
  // A bad duration is reported with the others (NaN until then), not thrown on its own.
  const ms = (text: string, path: string): number => {
    const v = durationMs(text);
    if (v === undefined) problem(path, `${DURATION_EXPECTED}, got "${text}"`);
    return v ?? NaN;
  };
  const sec = (d: string | undefined, fallback: number, field: string) => (d ? ms(d, field) / 1000 : fallback);
  const names = new Set<string>();
  const workloads: WorkloadConfig[] = raw.workloads.map((w, i) => {
    const at = `workloads.${i}`;
    if (names.has(w.name)) problem(`${at}.name`, `expected a unique name, "${w.name}" is used by an earlier workload`);
    names.add(w.name);
    const signals = resolveSignals(w, i, base, problem, ms, fileHistories);
    const ids = new Set<string>();
    w.placements.forEach((p, j) => {
      if (ids.has(p.id)) problem(`${at}.placements.${j}.id`, `expected a unique id, "${p.id}" is used by an earlier placement`);
      ids.add(p.id);
      if (p.zone && !p.zone.startsWith(`${p.region}-`)) problem(`${at}.placements.${j}.zone`, `expected a zone in region "${p.region}", got "${p.zone}"`);
    });
    const guard = w.guardrails ?? {};
    const maxVms = guard.maxVms ?? 100;
    const quota = Math.min(...w.placements.map((p) => p.quotaVms ?? Infinity));
    if (Number.isFinite(quota) && quota < 1) problem(`${at}.placements`, 'expected quota for at least 1 VM in every placement');
    return {
      name: w.name,
      project: w.project ?? raw.project,
      region: w.region ?? w.placements[0].region,
      port: w.port ?? 8080,
      healthCheckPath: w.healthCheckPath ?? '/healthz',
      image: w.image ?? 'projects/debian-cloud/global/images/family/debian-12',
      startupScript: w.startupScript,
      templateVersion: w.templateVersion ?? 'v1',
      // The workload's history is its first signal's (which may itself override a field).
      history: signals[0].history,
      signals,
      sloServedPct: w.slo?.servedPct,
      // Without a stated cost of lost demand, 20x the VM price puts running capacity at the
      // newsvendor quantile 20/21 ~ 0.95; teams that know what a lost request costs set it.
      unservedPenaltyPerVmHour: w.unservedPenaltyPerVmHour ?? 20 * w.placements[0].pricePerHour,
      targetUtilization: w.targetUtilization ?? 0.6,
      latencies: { bootSec: sec(w.latencies?.boot, 240, `${at}.latencies.boot`), resumeSec: sec(w.latencies?.resume, 60, `${at}.latencies.resume`), startSec: sec(w.latencies?.start, 120, `${at}.latencies.start`) },
      guardrails: {
        maxVms,
        maxSpendPerHour: guard.maxSpendPerHour ?? Infinity,
        maxWeightStepPerTick: guard.maxWeightStepPerTick ?? 250,
        freeze: guard.freeze ?? false,
        drainSec: sec(guard.drain, 1800, `${at}.guardrails.drain`),
      },
      placements: w.placements.map((p) => ({
        ...p,
        suspendedPricePerHour: p.suspendedPricePerHour ?? p.pricePerHour * SUSPENDED_PRICE_RATIO,
        stoppedPricePerHour: p.stoppedPricePerHour ?? p.pricePerHour * STOPPED_PRICE_RATIO,
      })),
      priority: w.priority ?? 0,
      horizonSec: sec(w.horizon, 2 * 3600, `${at}.horizon`),
      contentionThreshold: w.contentionThreshold ?? 0.2,
    };
  });
  (raw.events ?? []).forEach((e, i) => {
    if (e.workload && !names.has(e.workload)) problem(`events.${i}.workload`, `expected one of the workloads in this file (${[...names].join(', ')}), got "${e.workload}"`);
  });
  const config: ShadowscaleConfig = {
    file,
    version: 1,
    project: raw.project,
    tickSec: sec(raw.tick, 900, 'tick'),
    planAt: raw.planAt === undefined || raw.planAt === 'history-end' ? raw.planAt : new Date(raw.planAt).toISOString(),
    // The median and 0.95 are always forecast: the planner's contention test and the published
    // Cloud Monitoring metrics rest on them.
    quantiles: [...new Set([...(raw.quantiles ?? [0.9, 0.99]), 0.5, 0.95])].sort((a, b) => a - b),
    totalGuardrails: { maxVms: raw.limits?.maxVms ?? Infinity, maxSpendPerHour: raw.limits?.maxSpendPerHour ?? Infinity },
    // Next to the configuration, like the rest of a run's local state (automation/modes/wiring.ts stateDir).
    recordsPath: resolve(base, raw.records ?? join('.shadowscale', 'records.duckdb')),
    deployer: {
      kind: raw.deployer?.kind ?? (raw.project ? 'pulumi' : 'sim'),
      backendUrl: raw.deployer?.backend,
      secretsProvider: raw.deployer?.secretsProvider,
      stackPrefix: raw.deployer?.stackPrefix ?? 'shadowscale',
      concurrency: raw.deployer?.concurrency ?? 4,
      retries: raw.deployer?.retries ?? 3,
      stack: stackOptions(raw.deployer?.stack, ms, problem),
    },
    workloads,
    events: (raw.events ?? []).map((e, i) => ({ name: e.name, workload: e.workload, start: new Date(e.start).toISOString(), durationSec: ms(e.duration, `events.${i}.duration`) / 1000, multiplier: e.multiplier })),
  };
  // One line per problem, each `FILE:LINE: path: expected …`.
  if (problems.length) throw new ShadowscaleError('config', 'config.invalid', problems.join('\n'), { file });
  // What the planner cannot honour (a spend cap below one VM, ...) is a config error now, not at the first tick.
  checkPlannerConfig(config, file, lineOf);
  return config;
}
