import { afterEach, describe, expect, it, vi } from 'vitest';
import { deadline } from '../../contracts/deadline.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('a call’s deadline', () => {
  it('aborts its signal with a TimeoutError once the time has passed, as AbortSignal.timeout does', () => {
    vi.useFakeTimers();
    const timer = deadline(250);
    vi.advanceTimersByTime(249);
    expect(timer.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(timer.signal.aborted).toBe(true);
    expect(timer.signal.reason).toMatchObject({
      name: 'TimeoutError',
      message: expect.stringMatching(/due to timeout/),
    });
  });

  it('never aborts once cleared, and leaves no timer behind', () => {
    vi.useFakeTimers();
    const timer = deadline(250);
    expect(vi.getTimerCount()).toBe(1);
    timer.clear();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1_000);
    expect(timer.signal.aborted).toBe(false);
  });
});
