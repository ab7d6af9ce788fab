import { ConfigReader } from '@backstage/config';
import { JsonObject } from '@backstage/types';
import { readPagerDutyPagerSettings } from './config';

const KEY = '0123456789abcdef0123456789abcdef';

function read(pagerduty?: JsonObject) {
  return readPagerDutyPagerSettings(
    new ConfigReader({ promotion: { pagers: { pagerduty } } }),
  );
}

describe('readPagerDutyPagerSettings', () => {
  it('defaults to PagerDuty’s public endpoint and a 10 s timeout', () => {
    expect(read({ routingKey: KEY })).toEqual({
      routingKey: KEY,
      url: 'https://events.pagerduty.com/v2/enqueue',
      timeoutMs: 10_000,
    });
  });

  it('reads a custom endpoint and timeout', () => {
    expect(
      read({
        routingKey: KEY,
        url: 'https://events.eu.pagerduty.com/v2/enqueue',
        timeout: { seconds: 3 },
      }),
    ).toEqual({
      routingKey: KEY,
      url: 'https://events.eu.pagerduty.com/v2/enqueue',
      timeoutMs: 3_000,
    });
  });

  it.each([
    [undefined, /promotion\.pagers\.pagerduty\.routingKey is required/],
    [{}, /promotion\.pagers\.pagerduty\.routingKey is required/],
    [
      { routingKey: 'short-key' },
      /pagerduty\.routingKey must be a 32-character integration key without spaces \(got 9 characters\)/,
    ],
    [
      { routingKey: `${KEY.slice(0, 30)} x` },
      /pagerduty\.routingKey must be a 32-character integration key/,
    ],
    [{ routingKey: KEY, url: 'nope' }, /pagerduty\.url is not a valid URL/],
    [
      { routingKey: KEY, url: 'ftp://pd' },
      /pagerduty\.url must be an http or https URL/,
    ],
    [
      { routingKey: KEY, timeout: 'later' },
      /pagerduty\.timeout is not a valid duration/,
    ],
  ])('rejects %j', (config, message) => {
    expect(() => read(config)).toThrow(message);
  });

  it('does not echo a wrong routing key', () => {
    const secret = 'very-secret-but-wrong';
    expect(() => read({ routingKey: secret })).toThrow(
      expect.objectContaining({
        message: expect.not.stringContaining(secret),
      }),
    );
  });
});
