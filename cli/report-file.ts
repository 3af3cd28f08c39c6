/**
 * `--report FILE`: checked before the work it reports on, so a report that cannot be written is
 * a bad flag (exit 2) and not a failure after minutes of backtest or replay.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { inputError } from '../automation/errors';

export function assertWritableReport(file: string): void {
  const dir = dirname(resolve(file));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw inputError('input.flag', { field: '--report' }, `expected a file in an existing folder, got "${file}" (no folder ${dir})`);
}
