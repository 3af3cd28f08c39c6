import assert from 'node:assert/strict';
import { ShadowscaleError, errorKindOf, isRetryable } from '../../automation/errors';

describe('error kinds, classified in one place', () => {
  it('GIVEN errors from each source WHEN classified THEN ours keep their kind, an abort is a cancellation, a stack lock is another update, a 503 is transient, the rest internal', () => {
    const lock = Object.assign(new Error('the stack is currently locked by 1 lock(s)'), { name: 'ConcurrentUpdateError' });
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    const unavailable = Object.assign(new Error('unavailable'), { status: 503 });
    assert.equal(errorKindOf(new ShadowscaleError('config', 'x', 'bad')), 'config');
    assert.equal(errorKindOf(abort), 'cancelled');
    assert.equal(errorKindOf(lock), 'concurrent');
    assert.equal(errorKindOf(unavailable), 'transient');
    assert.equal(errorKindOf(new TypeError('undefined is not a function')), 'internal');
    // A lock held by another update is worth waiting for: retried like a transient error.
    assert.equal(isRetryable(lock), true);
  });
});
