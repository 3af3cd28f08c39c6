/**
 * Retries for calls to the cloud and to the Pulumi engine. One policy: only what
 * `isRetryable` (automation/errors.ts) calls retryable is tried again; anything else stops at
 * once, and an AbortSignal stops the waiting between attempts.
 */
import pRetry, { AbortError } from 'p-retry';
import { ShadowscaleError, isRetryable } from '../errors';

export interface RetryOptions {
  /** Extra attempts after the first, for retryable failures only (config.deployer.retries). */
  retries: number;
  signal?: AbortSignal;
  /** First back-off; later ones grow by `factor` up to `maxTimeoutMs`, each randomized x1..x2. */
  minTimeoutMs?: number;
  maxTimeoutMs?: number;
  factor?: number;
  /** Overall budget for all attempts, so a loop tick cannot wait on a lock forever. */
  maxRetryTimeMs?: number;
  /** Called before each wait, so the log says why we are waiting. */
  onRetry?: (info: { error: unknown; attempt: number; retriesLeft: number }) => void;
  /** Overrides the classification for one call site (defaults to isRetryable). */
  retryable?: (error: unknown) => boolean;
}

/** The defaults suit a stack lock held by another update: seconds to minutes, not milliseconds. */
export const DEFAULT_BACKOFF = { minTimeoutMs: 5_000, maxTimeoutMs: 120_000, factor: 2 } as const;

/**
 * Runs `operation` until it succeeds, a non-retryable error occurs, the retries are used up,
 * or `signal` aborts. The error that ends the retries is re-thrown as it was (not wrapped),
 * so callers and logs see the original class and message.
 */
export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  if (!Number.isInteger(options.retries) || options.retries < 0) {
    throw new ShadowscaleError('config', 'config.retries', `deployer.retries: expected a whole number >= 0, got ${options.retries}`);
  }
  const retryable = options.retryable ?? isRetryable;
  options.signal?.throwIfAborted();
  return pRetry(
    async (attempt) => {
      try {
        return await operation(attempt);
      } catch (error) {
        // p-retry only handles Error instances; anything else (and anything not retryable)
        // ends the retries here, carrying the original error for the caller.
        if (!(error instanceof Error) || !retryable(error)) throw new AbortError(asError(error));
        throw error;
      }
    },
    {
      retries: options.retries,
      minTimeout: options.minTimeoutMs ?? DEFAULT_BACKOFF.minTimeoutMs,
      maxTimeout: options.maxTimeoutMs ?? DEFAULT_BACKOFF.maxTimeoutMs,
      factor: options.factor ?? DEFAULT_BACKOFF.factor,
      maxRetryTime: options.maxRetryTimeMs,
      randomize: true,
      signal: options.signal,
      onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft > 0) options.onRetry?.({ error, attempt: attemptNumber, retriesLeft });
      },
    },
  ).catch((error: unknown) => {
    if (options.signal?.aborted) throw cancelledError(options.signal);
    throw unwrapAbort(error);
  });
}

/** The one error an aborted operation ends with, so callers need not inspect DOMExceptions. */
export function cancelledError(signal: AbortSignal, what = 'operation'): ShadowscaleError {
  const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'aborted');
  return new ShadowscaleError('cancelled', 'cancelled', `${what} cancelled: ${reason}`, {}, { cause: signal.reason });
}

/** True for our cancelled error, and for the AbortError that Node and Pulumi's SDK raise. */
export function isCancellation(error: unknown): boolean {
  if (error instanceof ShadowscaleError) return error.kind === 'cancelled';
  return !!error && typeof error === 'object' && (error as { name?: unknown }).name === 'AbortError';
}

function asError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new ShadowscaleError('internal', 'internal.non-error', `a non-Error value was thrown: ${String(value)}`, { value });
}

/** p-retry rejects with the AbortError we threw; callers want the error inside it. */
function unwrapAbort(error: unknown): unknown {
  if (error instanceof AbortError) return error.originalError;
  return error;
}
