/**
 * Logs that Cloud Logging reads as structured entries: one JSON object per line with
 * `severity`, `message`, `time` (RFC 3339) and `logging.googleapis.com/labels`; everything else
 * becomes the entry's jsonPayload. On a terminal the same logger prints human lines instead.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import type { Decision } from './fleet-plan';
import type { Clock, EventSink } from './ports';

/** The field Cloud Logging moves into the entry's labels (string values only). */
export const LABELS_KEY = 'logging.googleapis.com/labels';

export type LogFormat = 'json' | 'pretty' | 'auto';
export type LogLevel = 'trace' | 'debug' | 'info' | 'notice' | 'warn' | 'error' | 'fatal' | 'silent';

/** pino's levels plus `notice`, which Cloud Logging has and pino lacks (between info and warn). */
export type ShadowscaleLogger = Logger<'notice'>;

const CUSTOM_LEVELS = { notice: 35 } as const;

export interface LoggerOptions {
  /** 'auto' (default): pretty when the destination is a terminal, JSON otherwise. */
  format?: LogFormat;
  level?: LogLevel;
  /** Where lines go; default stderr, so stdout stays free for a command's JSON output. */
  destination?: NodeJS.WritableStream | DestinationStream;
  /** Labels on every line, e.g. { run_id }. Per-line labels under LABELS_KEY are merged in. */
  labels?: Record<string, string>;
  /** Source of `time`; default the system clock. */
  clock?: Clock;
}

/** Cloud Logging's LogSeverity for a pino level number. */
export function severityOf(level: number): 'DEFAULT' | 'DEBUG' | 'INFO' | 'NOTICE' | 'WARNING' | 'ERROR' | 'CRITICAL' {
  if (level <= 20) return 'DEBUG';
  if (level === 30) return 'INFO';
  if (level === CUSTOM_LEVELS.notice) return 'NOTICE';
  if (level === 40) return 'WARNING';
  if (level === 50) return 'ERROR';
  if (level === 60) return 'CRITICAL';
  return 'DEFAULT';
}

function isTerminal(destination: LoggerOptions['destination']): boolean {
  if (destination === undefined) return process.stderr.isTTY === true;
  return (destination as { isTTY?: boolean }).isTTY === true;
}

function stringLabels(labels: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (labels && typeof labels === 'object') {
    for (const [k, v] of Object.entries(labels)) if (v !== undefined && v !== null) out[k] = String(v);
  }
  return out;
}

export function createLogger(options: LoggerOptions = {}): ShadowscaleLogger {
  const format = options.format ?? 'auto';
  const pretty = format === 'pretty' || (format === 'auto' && isTerminal(options.destination));
  const baseLabels = stringLabels(options.labels);
  const clock = options.clock;

  const config: pino.LoggerOptions<'notice'> = {
    level: options.level ?? 'info',
    customLevels: CUSTOM_LEVELS,
    messageKey: 'message',
    // pid and hostname are noise in Cloud Logging, which records the resource itself.
    base: null,
    timestamp: clock ? () => `,"time":"${clock.now().toISOString()}"` : pino.stdTimeFunctions.isoTime,
    formatters: {
      // Pretty output keeps pino's numeric level, which pino-pretty needs to name and colour it.
      ...(pretty ? {} : { level: (_label: string, number: number) => ({ severity: severityOf(number) }) }),
      log(object: Record<string, unknown>) {
        const labels = { ...baseLabels, ...stringLabels(object[LABELS_KEY]) };
        const { [LABELS_KEY]: _ignored, ...rest } = object;
        return Object.keys(labels).length ? { ...rest, [LABELS_KEY]: labels } : rest;
      },
    },
  };

  if (pretty) {
    const stream = pinoPretty({
      destination: (options.destination as NodeJS.WritableStream | undefined) ?? 2,
      sync: true,
      colorize: isTerminal(options.destination),
      messageKey: 'message',
      customLevels: CUSTOM_LEVELS,
      customColors: 'notice:cyan',
      useOnlyCustomProps: false,
      translateTime: 'SYS:HH:MM:ss.l',
    });
    return pino(config, stream);
  }
  return pino(config, options.destination ?? pino.destination({ dest: 2, sync: true }));
}

const METHOD_OF = { DEBUG: 'debug', INFO: 'info', NOTICE: 'notice', WARNING: 'warn', ERROR: 'error' } as const;

/** An EventSink that writes one log line per event: its code as a label and in the payload, its data under `data`. */
export function loggerSink(logger: ShadowscaleLogger): EventSink {
  return {
    emit(event) {
      const method = METHOD_OF[event.severity];
      const payload: Record<string, unknown> = { [LABELS_KEY]: { ...event.labels, code: event.code }, code: event.code };
      if (event.data !== undefined) payload['data'] = event.data;
      logger[method](payload, event.message);
    },
  };
}

/** A planner decision as an event: the reason is the message, its numbers go to the payload. */
export function decisionEvent(decision: Decision, severity: 'INFO' | 'NOTICE' = 'NOTICE'): Parameters<EventSink['emit']>[0] {
  const labels: Record<string, string> = { workload: decision.workload };
  if (decision.generation !== undefined) labels['generation'] = decision.generation;
  return {
    code: decision.code,
    severity,
    message: decision.message,
    labels,
    data: { numbers: decision.numbers, ...(decision.generation !== undefined ? { generation: decision.generation } : {}), workload: decision.workload },
  };
}
