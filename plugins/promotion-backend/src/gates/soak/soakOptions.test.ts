import { ConfigReader } from '@backstage/config';
import { JsonValue } from '@backstage/types';
import { readPipelines } from '../../config/pipelines';
import {
  readSoakOptions,
  soakOptionsForLane,
  validateSoakGates,
} from './soakOptions';

const thresholds = { errorRate: 0.05 };

describe('readSoakOptions', () => {
  it('defaults everything but the window and thresholds', () => {
    expect(readSoakOptions({ window: '15m', thresholds })).toEqual({
      provider: 'push',
      windowMs: 15 * 60_000,
      thresholds,
      latencyQuantile: 'p95',
      onNoData: 'fail',
      stepSeconds: 30,
      maxSampleAgeMs: 5 * 60_000,
    });
  });

  it.each([
    ['15m', 900_000],
    ['1 hour', 3_600_000],
    ['PT20M', 1_200_000],
    [{ minutes: 10, seconds: 30 }, 630_000],
  ])('reads window %j', (window, ms) => {
    expect(readSoakOptions({ window, thresholds }).windowMs).toBe(ms);
  });

  it('reads every option', () => {
    expect(
      readSoakOptions({
        provider: 'prometheus',
        windowMs: 60_000,
        thresholds: { errorRate: 0.01, latency: 0.25, saturation: 0.9 },
        latencyQuantile: 'p99',
        onNoData: 'pending',
        stepSeconds: 200,
        maxSampleAge: '2m',
        queries: { latency: 'histogram_quantile(0.99, x)' },
      }),
    ).toEqual({
      provider: 'prometheus',
      windowMs: 60_000,
      thresholds: { errorRate: 0.01, latency: 0.25, saturation: 0.9 },
      latencyQuantile: 'p99',
      onNoData: 'pending',
      stepSeconds: 200,
      maxSampleAgeMs: 120_000,
      queries: { latency: 'histogram_quantile(0.99, x)' },
    });
    // Without maxSampleAge, two steps when that is longer than five minutes.
    expect(
      readSoakOptions({ windowMs: 1, thresholds, stepSeconds: 200 })
        .maxSampleAgeMs,
    ).toBe(400_000);
  });

  it.each([
    [{ thresholds }, 'window', /is required/],
    [{ window: '15m', windowMs: 5, thresholds }, 'window', /exclusive/],
    [{ window: 'soon', thresholds }, 'window', /is not a duration/],
    [{ window: '0ms', thresholds }, 'window', /longer than zero/],
    [{ window: '15m' }, 'thresholds', /Required/],
    [{ window: '15m', thresholds: {} }, 'thresholds', /at least one/],
    [
      { window: '15m', thresholds: { errorRate: 5 } },
      'thresholds.errorRate',
      /less than or equal to 1/,
    ],
    [
      { window: '15m', thresholds: { latency: -1 } },
      'thresholds.latency',
      /greater than or equal to 0/,
    ],
    [
      { window: '15m', thresholds: { errors: 0.1 } },
      'thresholds.errors',
      /Unrecognized key/,
    ],
    [{ window: '15m', thresholds, treshold: 1 }, 'treshold', /Unrecognized/],
    [
      { window: '15m', thresholds, onNoData: 'pass' },
      'onNoData',
      /Invalid enum/,
    ],
    [
      { window: '15m', thresholds, latencyQuantile: 'p50' },
      'latencyQuantile',
      /Invalid enum/,
    ],
    [
      { window: '15m', thresholds, stepSeconds: 0 },
      'stepSeconds',
      /greater than 0/,
    ],
  ])('rejects %j naming %s', (options, key, problem) => {
    let error: any;
    try {
      readSoakOptions(options as Record<string, unknown>);
    } catch (e) {
      error = e;
    }
    expect(error?.name).toBe('SoakOptionsError');
    expect(error.key).toBe(key);
    expect(error.message).toMatch(problem);
    expect(error.message).toContain(`soak option '${key}'`);
  });
});

describe('pipeline helpers', () => {
  const pipelinesOf = (prodGates: JsonValue[], devGates: JsonValue[] = []) =>
    readPipelines(
      new ConfigReader({
        promotion: {
          pipelines: {
            standard: {
              environments: [
                { name: 'dev', deployer: 'x', gates: devGates },
                { name: 'staging', deployer: 'x' },
                { name: 'prod', deployer: 'x', gates: prodGates },
              ],
            },
          },
        },
      }),
    );

  it('finds the soak that guards leaving a lane on the next environment', () => {
    const pipeline = pipelinesOf([
      'tests',
      { name: 'soak', provider: 'prometheus', window: '30m', thresholds },
    ]).get('standard')!;
    expect(soakOptionsForLane(pipeline, 'staging')).toMatchObject({
      provider: 'prometheus',
      windowMs: 30 * 60_000,
    });
    expect(soakOptionsForLane(pipeline, 'dev')).toBeUndefined();
    expect(soakOptionsForLane(pipeline, 'prod')).toBeUndefined();
    expect(soakOptionsForLane(pipeline, 'qa')).toBeUndefined();
  });

  it('validates soak gates at start-up, naming the key', () => {
    expect(() =>
      validateSoakGates(
        pipelinesOf([{ name: 'soak', window: '30m', thresholds }]),
        ['push'],
      ),
    ).not.toThrow();
    expect(() =>
      validateSoakGates(
        pipelinesOf([
          'tests',
          { name: 'soak', window: '30m', thresholds: { latency: 'fast' } },
        ]),
      ),
    ).toThrow(
      "Invalid promotion config at 'promotion.pipelines.standard.environments[2].gates[1].thresholds.latency': Expected number, received string",
    );
    expect(() =>
      validateSoakGates(
        pipelinesOf([
          { name: 'soak', provider: 'datadog', window: '30m', thresholds },
        ]),
        ['push', 'prometheus'],
      ),
    ).toThrow(
      "Invalid promotion config at 'promotion.pipelines.standard.environments[2].gates[0].provider': unknown metrics provider 'datadog' (known: push, prometheus)",
    );
    expect(() =>
      validateSoakGates(
        pipelinesOf([], [{ name: 'soak', window: '30m', thresholds }]),
      ),
    ).toThrow(
      "Invalid promotion config at 'promotion.pipelines.standard.environments[0].gates[0]': the soak gate watches the environment before this one; the first environment has none",
    );
  });
});
