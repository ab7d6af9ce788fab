import { backoffDelayMs, describeUrl, isRetryableStatus } from './transport';

describe('backoffDelayMs', () => {
  it('doubles from the base delay and stops at the cap', () => {
    const policy = { retries: 6, baseDelayMs: 200, maxDelayMs: 1_000 };
    expect([1, 2, 3, 4, 5].map(n => backoffDelayMs(n, policy))).toEqual([
      200, 400, 800, 1_000, 1_000,
    ]);
  });
});

describe('isRetryableStatus', () => {
  it.each([
    [408, true],
    [429, true],
    [500, true],
    [503, true],
    [400, false],
    [401, false],
    [404, false],
    [409, false],
    [302, false],
    [200, false],
  ])('HTTP %i retryable: %s', (status, retryable) => {
    expect(isRetryableStatus(status)).toBe(retryable);
  });
});

describe('describeUrl', () => {
  it('drops credentials and query strings, which may carry tokens', () => {
    expect(
      describeUrl('https://user:pw@deploy.example.com/hooks?token=abc'),
    ).toBe('https://deploy.example.com/hooks');
  });
});
