/**
 * Errors, classified in one place. Every error a user can cause says where (file, row,
 * column, config path) and what was expected; `retryable` drives the retry policy.
 */

export type ErrorKind =
  | 'input'        // bad file, row, column, flag or config value: fix the input
  | 'config'       // shadowscale.yaml does not validate
  | 'unsafe'       // a plan or action that would break a guardrail or invariant
  | 'concurrent'   // another update holds the stack lock
  | 'transient'    // network, 5xx, rate limit: try again
  | 'cancelled'    // an AbortSignal fired
  | 'internal';

export class ShadowscaleError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly details: Record<string, unknown>;
  constructor(kind: ErrorKind, code: string, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ShadowscaleError';
    this.kind = kind;
    this.code = code;
    this.details = details;
  }
}

/** Bad input data: names the source and, where known, the row and column. */
export function inputError(code: string, where: { file?: string; row?: number; column?: string; field?: string }, expected: string): ShadowscaleError {
  const parts: string[] = [];
  if (where.file) parts.push(where.file);
  if (where.row !== undefined) parts.push(`row ${where.row}`);
  if (where.column) parts.push(`column "${where.column}"`);
  if (where.field) parts.push(where.field);
  const at = parts.length ? `${parts.join(', ')}: ` : '';
  return new ShadowscaleError('input', code, `${at}${expected}`, { ...where });
}

/**
 * One configuration problem as every config error reads: `FILE:LINE: path: expected …`, the path
 * dotted as in the YAML (`workloads.0.latencies.boot`); the line is left out when unknown.
 */
export function configProblemLine(file: string, line: number | undefined, path: string, expected: string): string {
  return `${file}${line !== undefined ? `:${line}` : ''}: ${path || '(top level)'}: ${expected}`;
}

const TRANSIENT_HTTP = new Set([408, 429, 500, 502, 503, 504]);
const TRANSIENT_GRPC = new Set([4 /* DEADLINE_EXCEEDED */, 8 /* RESOURCE_EXHAUSTED */, 10 /* ABORTED */, 14 /* UNAVAILABLE */]);
const TRANSIENT_NET = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EAI_AGAIN', 'EPIPE']);

/** Pulumi's error for a stack lock another update holds (the update never started). */
export function isConcurrentUpdate(err: unknown): boolean {
  return !!err && typeof err === 'object' && (err as { name?: unknown }).name === 'ConcurrentUpdateError';
}

/** True when trying the same call again may succeed. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof ShadowscaleError) return err.kind === 'concurrent' || err.kind === 'transient';
  if (!err || typeof err !== 'object') return false;
  const e = err as { name?: string; code?: unknown; status?: unknown; response?: { status?: unknown }; errors?: { reason?: string }[] };
  if (isConcurrentUpdate(err)) return true;
  if (e.name === 'AbortError') return false;
  const status = typeof e.status === 'number' ? e.status : typeof e.response?.status === 'number' ? e.response.status : typeof e.code === 'number' && e.code >= 100 ? e.code : undefined;
  if (status !== undefined && TRANSIENT_HTTP.has(status)) return true;
  if (typeof e.code === 'number' && e.code < 100 && TRANSIENT_GRPC.has(e.code)) return true;
  if (typeof e.code === 'string' && TRANSIENT_NET.has(e.code)) return true;
  if (Array.isArray(e.errors) && e.errors.some((x) => x?.reason === 'backendError' || x?.reason === 'rateLimitExceeded' || x?.reason === 'internalError')) return true;
  return false;
}

/** The kind of any error: ours carry one; an abort is a cancellation; Pulumi's lock error is
 * another update's; others by retryability. */
export function errorKindOf(err: unknown): ErrorKind {
  if (err instanceof ShadowscaleError) return err.kind;
  if (err && typeof err === 'object' && (err as { name?: unknown }).name === 'AbortError') return 'cancelled';
  if (isConcurrentUpdate(err)) return 'concurrent';
  return isRetryable(err) ? 'transient' : 'internal';
}

/** A message fit for a terminal: our errors as they are, others with their class. */
export function describeError(err: unknown): string {
  if (err instanceof ShadowscaleError) return err.message;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
