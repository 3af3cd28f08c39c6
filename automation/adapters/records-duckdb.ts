/**
 * The records store (RecordsStore) in a local DuckDB file, `.shadowscale/records.duckdb` by
 * default: versioned model records, published forecasts and planner decisions. Values go in as
 * bound parameters; structured fields are stored as JSON text.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { ShadowscaleError } from '../errors';
import type { Decision } from '../fleet-plan';
import type { ModelRecord, RecordsStore } from '../ports';
import type { QuantileForecast } from '../../forecaster/types';

export const DEFAULT_RECORDS_FILE = join('.shadowscale', 'records.duckdb');

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS models (
     workload VARCHAR NOT NULL, version INTEGER NOT NULL, kind VARCHAR NOT NULL, params JSON NOT NULL,
     train_start VARCHAR NOT NULL, train_end VARCHAR NOT NULL, scores JSON NOT NULL, created_at VARCHAR NOT NULL,
     PRIMARY KEY (workload, version))`,
  `CREATE TABLE IF NOT EXISTS forecasts (
     workload VARCHAR NOT NULL, created_at VARCHAR NOT NULL, model VARCHAR NOT NULL, origin BIGINT NOT NULL,
     origin_time VARCHAR NOT NULL, step_ms BIGINT NOT NULL, horizon INTEGER NOT NULL, quantiles JSON NOT NULL, params JSON)`,
  `CREATE TABLE IF NOT EXISTS decisions (
     decided_at VARCHAR NOT NULL, workload VARCHAR NOT NULL, code VARCHAR NOT NULL, message VARCHAR NOT NULL,
     numbers JSON NOT NULL, generation VARCHAR)`,
  // The wall-clock time a row was written: the other times are the plan clock's, which a
  // configuration can freeze (`planAt`), and then two runs could not be told apart. Added to
  // stores written before it (their rows have none).
  `ALTER TABLE forecasts ADD COLUMN IF NOT EXISTS recorded_at VARCHAR`,
  `ALTER TABLE decisions ADD COLUMN IF NOT EXISTS recorded_at VARCHAR`,
];

function storeError(file: string, action: string, err: unknown): ShadowscaleError {
  return new ShadowscaleError('internal', 'records.io', `records store ${file}: ${action} failed: ${(err as Error).message.split('\n')[0]}`, { file }, { cause: err });
}

export class DuckDbRecordsStore implements RecordsStore {
  private constructor(
    private readonly file: string,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly wallClock: () => Date = () => new Date(),
  ) {}

  /**
   * Opens an existing store read-only (a preview reads the registry a tick keeps); undefined
   * when there is no file yet.
   */
  static async openReadOnly(file: string = DEFAULT_RECORDS_FILE): Promise<DuckDbRecordsStore | undefined> {
    if (!existsSync(file)) return undefined;
    try {
      const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
      return new DuckDbRecordsStore(file, instance, await instance.connect());
    } catch (err) {
      throw storeError(file, 'open read-only', err);
    }
  }

  /** Opens (creating if needed) the store at `file`; ':memory:' keeps it in memory. `wallClock`
   * stamps each row's recorded_at. */
  static async open(file: string = DEFAULT_RECORDS_FILE, wallClock?: () => Date): Promise<DuckDbRecordsStore> {
    try {
      if (file !== ':memory:') await mkdir(dirname(file), { recursive: true });
      const instance = await DuckDBInstance.create(file);
      const connection = await instance.connect();
      for (const sql of SCHEMA) await connection.run(sql);
      return new DuckDbRecordsStore(file, instance, connection, wallClock);
    } catch (err) {
      throw storeError(file, 'open', err);
    }
  }

  async saveModel(record: Omit<ModelRecord, 'version'>): Promise<ModelRecord> {
    try {
      // One statement picks the next version, so two saves cannot share one.
      const reader = await this.connection.runAndReadAll(
        `INSERT INTO models SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3, $4, $5, $6, $7 FROM models WHERE workload = $1 RETURNING version`,
        [record.workload, record.kind, JSON.stringify(record.params), record.trainStart, record.trainEnd, JSON.stringify(record.scores), record.createdAt],
      );
      const version = Number(reader.getRowsJS()[0]![0]);
      return { ...record, version };
    } catch (err) {
      throw storeError(this.file, `saving model of "${record.workload}"`, err);
    }
  }

  async latestModel(workload: string): Promise<ModelRecord | undefined> {
    try {
      const reader = await this.connection.runAndReadAll(
        `SELECT workload, version, kind, CAST(params AS VARCHAR) AS params, train_start, train_end, CAST(scores AS VARCHAR) AS scores, created_at
         FROM models WHERE workload = $1 ORDER BY version DESC LIMIT 1`,
        [workload],
      );
      const row = reader.getRowObjectsJS()[0];
      if (!row) return undefined;
      return {
        workload: String(row['workload']),
        version: Number(row['version']),
        kind: String(row['kind']),
        params: JSON.parse(String(row['params'])) as Record<string, unknown>,
        trainStart: String(row['train_start']),
        trainEnd: String(row['train_end']),
        scores: JSON.parse(String(row['scores'])) as Record<string, number>,
        createdAt: String(row['created_at']),
      };
    } catch (err) {
      throw storeError(this.file, `reading the latest model of "${workload}"`, err);
    }
  }

  async saveForecast(workload: string, forecast: QuantileForecast, createdAt: string): Promise<void> {
    try {
      await this.connection.run(
        `INSERT INTO forecasts (workload, created_at, model, origin, origin_time, step_ms, horizon, quantiles, params, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [workload, createdAt, forecast.model, forecast.origin, forecast.originTime, forecast.stepMs, forecast.horizon, JSON.stringify(forecast.quantiles), JSON.stringify(forecast.params ?? {}), this.wallClock().toISOString()],
      );
    } catch (err) {
      throw storeError(this.file, `saving a forecast of "${workload}"`, err);
    }
  }

  async forecastsSince(workload: string, since: string): Promise<(QuantileForecast & { createdAt: string })[]> {
    return this.forecasts(workload, since);
  }

  /** The forecasts saved for a workload at or after `since` (ISO; default all), oldest first. */
  async forecasts(workload: string, since = ''): Promise<(QuantileForecast & { createdAt: string })[]> {
    const reader = await this.connection.runAndReadAll(
      `SELECT created_at, model, origin, origin_time, step_ms, horizon, CAST(quantiles AS VARCHAR) AS q, CAST(params AS VARCHAR) AS p
       FROM forecasts WHERE workload = $1 AND created_at >= $2 ORDER BY created_at, origin`,
      [workload, since],
    ).catch((err: unknown) => {
      throw storeError(this.file, `reading the forecasts of "${workload}"`, err);
    });
    return reader.getRowObjectsJS().map((r) => ({
      createdAt: String(r['created_at']),
      model: String(r['model']),
      origin: Number(r['origin']),
      originTime: String(r['origin_time']),
      stepMs: Number(r['step_ms']),
      horizon: Number(r['horizon']),
      quantiles: JSON.parse(String(r['q'])) as Record<string, number[]>,
      params: r['p'] === null ? undefined : (JSON.parse(String(r['p'])) as Record<string, unknown>),
    }));
  }

  async saveDecisions(decisions: Decision[], at: string): Promise<void> {
    const recordedAt = this.wallClock().toISOString();
    try {
      for (const d of decisions) {
        await this.connection.run(
          `INSERT INTO decisions (decided_at, workload, code, message, numbers, generation, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [at, d.workload, d.code, d.message, JSON.stringify(d.numbers), d.generation ?? null, recordedAt],
        );
      }
    } catch (err) {
      throw storeError(this.file, 'saving decisions', err);
    }
  }

  /** Decisions recorded at or after `since` (ISO), oldest first. */
  async decisions(since = ''): Promise<(Decision & { at: string; recordedAt?: string })[]> {
    const reader = await this.connection.runAndReadAll(
      `SELECT decided_at, workload, code, message, CAST(numbers AS VARCHAR) AS numbers, generation, recorded_at FROM decisions WHERE decided_at >= $1 ORDER BY decided_at, recorded_at NULLS FIRST`,
      [since],
    ).catch((err: unknown) => {
      throw storeError(this.file, 'reading decisions', err);
    });
    return reader.getRowObjectsJS().map((r) => ({
      at: String(r['decided_at']),
      workload: String(r['workload']),
      code: String(r['code']),
      message: String(r['message']),
      numbers: JSON.parse(String(r['numbers'])) as Record<string, number | string>,
      ...(r['generation'] === null ? {} : { generation: String(r['generation']) }),
      ...(r['recorded_at'] === null ? {} : { recordedAt: String(r['recorded_at']) }),
    }));
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
