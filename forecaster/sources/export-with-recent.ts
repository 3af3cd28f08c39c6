/**
 * History from the BigQuery metric export, topped up with the minutes the export has not caught
 * up with yet from the Cloud Monitoring API. The export lags by minutes to hours; a forecast
 * from it alone would start in the past and be held as stale.
 */
import type { HistoryQuery, HistorySource } from '../../automation/ports';
import type { Series } from '../types';
import { mergeRecent } from './monitoring';

export class ExportWithRecentHistorySource implements HistorySource {
  constructor(
    private readonly exported: HistorySource,
    private readonly recent: HistorySource,
    /** How far back the recent source is asked for: the export's usual lag, with a margin. */
    private readonly recentWindowMs: number,
  ) {}

  async read(query: HistoryQuery): Promise<Series> {
    const end = query.end ?? new Date();
    const history = await this.exported.read({ ...query, end });
    const lastExported = history.startMs + history.values.length * history.stepMs;
    const start = new Date(Math.min(lastExported, end.getTime() - this.recentWindowMs));
    if (start.getTime() >= end.getTime()) return history;
    const recent = await this.recent.read({ start, end, stepMs: history.stepMs, signal: query.signal });
    return mergeRecent(history, recent);
  }

  async close(): Promise<void> {
    await Promise.all([this.exported.close?.(), this.recent.close?.()]);
  }
}
