import assert from 'node:assert/strict';
import { ShadowscaleError } from '../../automation/errors';
import { withRetry } from '../../automation/adapters/retry';

/** Pulumi's SDK classifies lock conflicts by this class name; its constructor is internal. */
class ConcurrentUpdateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConcurrentUpdateError';
  }
}

const fast = { minTimeoutMs: 1, maxTimeoutMs: 5 };

describe('withRetry', () => {
  it('GIVEN a stack locked twice then free WHEN retried with 3 retries THEN it succeeds on the third attempt and reports each wait', async () => {
    let attempts = 0;
    const waits: number[] = [];

    const value = await withRetry(async () => {
      attempts++;
      if (attempts < 3) throw new ConcurrentUpdateError('the stack is currently locked by 1 lock(s)');
      return 'done';
    }, { retries: 3, ...fast, onRetry: ({ attempt }) => waits.push(attempt) });

    assert.equal(value, 'done');
    assert.equal(attempts, 3);
    assert.deepEqual(waits, [1, 2]);
  });

  it('GIVEN a transient 503 forever WHEN retried with 2 retries THEN it stops after 3 attempts with the original error', async () => {
    let attempts = 0;
    const unavailable = Object.assign(new Error('Service Unavailable'), { code: 503 });

    await assert.rejects(withRetry(async () => { attempts++; throw unavailable; }, { retries: 2, ...fast }), (e) => e === unavailable);
    assert.equal(attempts, 3);
  });

  it('GIVEN a non-retryable error WHEN retried THEN it is thrown at once, unwrapped', async () => {
    let attempts = 0;
    const bad = new ShadowscaleError('input', 'input.column', 'web.csv: column "value" not found');

    await assert.rejects(withRetry(async () => { attempts++; throw bad; }, { retries: 5, ...fast }), (e) => e === bad);
    assert.equal(attempts, 1);
  });

  it('GIVEN a plain program error from pulumi up WHEN retried THEN it is not retried', async () => {
    let attempts = 0;
    const commandError = Object.assign(new Error('error: update failed'), { name: 'CommandError' });

    await assert.rejects(withRetry(async () => { attempts++; throw commandError; }, { retries: 5, ...fast }), /update failed/);
    assert.equal(attempts, 1);
  });

  it('GIVEN a signal that aborts during the back-off WHEN retrying a lock THEN it stops with a cancelled error', async () => {
    const controller = new AbortController();
    let attempts = 0;
    const started = Date.now();

    await assert.rejects(
      withRetry(async () => {
        attempts++;
        setTimeout(() => controller.abort(new Error('received SIGTERM')), 10);
        throw new ConcurrentUpdateError('locked');
      }, { retries: 10, minTimeoutMs: 10_000, maxTimeoutMs: 10_000, signal: controller.signal }),
      (e) => e instanceof ShadowscaleError && e.kind === 'cancelled' && /SIGTERM/.test(e.message),
    );
    assert.equal(attempts, 1);
    assert.ok(Date.now() - started < 5_000, 'the 10 s back-off was cut short');
  });

  it('GIVEN a negative retry count WHEN called THEN it is a config error naming deployer.retries', async () => {
    await assert.rejects(withRetry(async () => 1, { retries: -1 }), /deployer\.retries/);
  });
});
