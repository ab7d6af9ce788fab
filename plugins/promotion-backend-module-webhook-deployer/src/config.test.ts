import { ConfigReader } from '@backstage/config';
import type { JsonObject } from '@backstage/types';
import { readWebhookDeployerSettings, resolveWebhookTarget } from './config';

function rootConfig(webhook: JsonObject | undefined) {
  return new ConfigReader(
    webhook === undefined ? {} : { promotion: { deployers: { webhook } } },
  );
}

const minimal = {
  url: 'https://deploy.example.com/hooks',
  signingSecret: 's3cret',
};

describe('readWebhookDeployerSettings', () => {
  it('applies the defaults: 10 s timeout, 3 retries, no status URL', () => {
    expect(readWebhookDeployerSettings(rootConfig(minimal))).toEqual({
      url: 'https://deploy.example.com/hooks',
      signingSecret: 's3cret',
      timeoutMs: 10_000,
      retries: 3,
      statusUrl: undefined,
    });
  });

  it.each([
    ['15s', 15_000],
    ['PT1M', 60_000],
    [{ seconds: 2, milliseconds: 500 }, 2_500],
  ])('reads timeout %j as %i ms', (timeout, ms) => {
    expect(
      readWebhookDeployerSettings(rootConfig({ ...minimal, timeout }))
        .timeoutMs,
    ).toBe(ms);
  });

  it('reads retries and statusUrl', () => {
    const settings = readWebhookDeployerSettings(
      rootConfig({
        ...minimal,
        retries: 0,
        statusUrl: 'https://deploy.example.com/status',
      }),
    );
    expect(settings.retries).toBe(0);
    expect(settings.statusUrl).toBe('https://deploy.example.com/status');
  });

  it.each([
    [
      'the whole block is missing',
      undefined,
      /promotion\.deployers\.webhook\.url/,
    ],
    [
      'url is missing',
      { signingSecret: 'x' },
      /promotion\.deployers\.webhook\.url is required/,
    ],
    [
      'url is blank',
      { url: ' ', signingSecret: 'x' },
      /promotion\.deployers\.webhook\.url is required/,
    ],
    [
      'signingSecret is missing',
      { url: minimal.url },
      /promotion\.deployers\.webhook\.signingSecret is required/,
    ],
    [
      'signingSecret is empty',
      { url: minimal.url, signingSecret: '' },
      /promotion\.deployers\.webhook\.signingSecret is required/,
    ],
    [
      'url is not a URL',
      { ...minimal, url: 'deploy system' },
      /promotion\.deployers\.webhook\.url is not a valid URL/,
    ],
    [
      'url is not http',
      { ...minimal, url: 'ftp://deploy.example.com' },
      /promotion\.deployers\.webhook\.url must be an http or https URL/,
    ],
    [
      'statusUrl is not a URL',
      { ...minimal, statusUrl: 'nope' },
      /promotion\.deployers\.webhook\.statusUrl is not a valid URL/,
    ],
    [
      'retries is negative',
      { ...minimal, retries: -1 },
      /promotion\.deployers\.webhook\.retries must be a whole number/,
    ],
    [
      'retries is fractional',
      { ...minimal, retries: 1.5 },
      /promotion\.deployers\.webhook\.retries must be a whole number/,
    ],
    [
      'timeout is garbage',
      { ...minimal, timeout: 'soon' },
      /promotion\.deployers\.webhook\.timeout is not a valid duration/,
    ],
    [
      'timeout is longer than 10 minutes',
      { ...minimal, timeout: { minutes: 11 } },
      /promotion\.deployers\.webhook\.timeout must be at most 10 minutes/,
    ],
    [
      'timeout is zero',
      { ...minimal, timeout: { seconds: 0 } },
      /promotion\.deployers\.webhook\.timeout must be longer than zero/,
    ],
  ])('fails naming the key when %s', (_what, webhook, message) => {
    expect(() => readWebhookDeployerSettings(rootConfig(webhook))).toThrow(
      message,
    );
  });
});

describe('resolveWebhookTarget', () => {
  const settings = readWebhookDeployerSettings(
    rootConfig({ ...minimal, statusUrl: 'https://deploy.example.com/status' }),
  );

  it('uses the global settings when the environment has no deployerConfig', () => {
    expect(resolveWebhookTarget(settings, undefined)).toEqual({
      url: 'https://deploy.example.com/hooks',
      statusUrl: 'https://deploy.example.com/status',
      timeoutMs: 10_000,
    });
  });

  it('lets the environment override url, statusUrl and timeout', () => {
    expect(
      resolveWebhookTarget(
        settings,
        new ConfigReader({
          url: 'https://prod-deploy.example.com/hooks',
          statusUrl: 'https://prod-deploy.example.com/status',
          timeout: '30s',
        }),
      ),
    ).toEqual({
      url: 'https://prod-deploy.example.com/hooks',
      statusUrl: 'https://prod-deploy.example.com/status',
      timeoutMs: 30_000,
    });
  });

  it('keeps the global values the environment does not override', () => {
    expect(
      resolveWebhookTarget(settings, new ConfigReader({ timeout: '1s' })),
    ).toEqual({
      url: 'https://deploy.example.com/hooks',
      statusUrl: 'https://deploy.example.com/status',
      timeoutMs: 1_000,
    });
  });

  it('fails naming the deployerConfig key when an override is wrong', () => {
    expect(() =>
      resolveWebhookTarget(settings, new ConfigReader({ url: 'not a url' })),
    ).toThrow('deployerConfig.url is not a valid URL');
    expect(() =>
      resolveWebhookTarget(settings, new ConfigReader({ timeout: 'never' })),
    ).toThrow(/deployerConfig\.timeout is not a valid duration/);
  });
});
