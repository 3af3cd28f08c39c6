/**
 * History from the BigQuery metric export, topped up with the minutes the export has not caught
 * up with yet from the Cloud Monitoring API. The export lags by minutes to hours; a forecast
 * from it alone would start in the past and be held as stale.
 */
import type { HistoryQuery, HistorySource } from '../../automation/ports';
import type { Series } from '../types';
import { mergeRecent } from './monitoring';

/** The recent source for the metric kind the export's rows carry (undefined: not known). */
export type RecentSourceFor = (metricKind: string | undefined) => HistorySource;

export class ExportWithRecentHistorySource implements HistorySource {
  private readonly recentByKind = new Map<string | undefined, HistorySource>();

  constructor(
    private readonly exported: HistorySource & { lastMetricKind?: string },
    /** One source, or one per metric kind: the Monitoring API aligns a GAUGE by its mean and a
     * DELTA by its rate, and aligned as a GAUGE a request count read ~60 x the export's rate. */
    private readonly recent: HistorySource | RecentSourceFor,
    /** How far back the recent source is asked for: the export's usual lag, with a margin. */
    private readonly recentWindowMs: number,
  ) {}

  private recentSource(): HistorySource {
    if (typeof this.recent !== 'function') return this.recent;
    const kind = this.exported.lastMetricKind;
    let source = this.recentByKind.get(kind);
    if (!source) this.recentByKind.set(kind, (source = this.recent(kind)));
    return source;
  }

  async read(query: HistoryQuery): Promise<Series> {
    const end = query.end ?? new Date();
    const history = await this.exported.read({ ...query, end });
    const lastExported = history.startMs + history.values.length * history.stepMs;
    const start = new Date(Math.min(lastExported, end.getTime() - this.recentWindowMs));
    if (start.getTime() >= end.getTime()) return history;
    const recent = await this.recentSource().read({ start, end, stepMs: history.stepMs, signal: query.signal });
    // The export's newest written step may hold only part of its period (the exporter writes
    // minute by minute): Monitoring's complete value wins there.
    let newest = history.values.length - 1;
    while (newest >= 0 && Number.isNaN(history.values[newest]!)) newest--;
    return mergeRecent(history, recent, newest >= 0 ? history.startMs + newest * history.stepMs : Infinity);
  }

  async close(): Promise<void> {
    const recents = typeof this.recent === 'function' ? [...this.recentByKind.values()] : [this.recent];
    await Promise.all([this.exported.close?.(), ...recents.map((r) => r.close?.())]);
  }
}
