import { ConfigReader } from '@backstage/config';
import { JsonValue } from '@backstage/types';
import { DEFAULT_BURN_WINDOWS } from './burnRate';
import { SloConfigError, readSloConfig } from './config';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const read = (slo: JsonValue) =>
  readSloConfig(new ConfigReader({ promotion: { slo } }), 'promotion.slo');

describe('readSloConfig', () => {
  it('reads the documented block', () => {
    expect(
      read({
        objective: 0.999,
        period: { days: 30 },
        sustain: { minutes: 2 },
        minRequests: 100,
        windows: [
          { long: { hours: 1 }, short: { minutes: 5 }, burnRate: 14.4 },
          { long: { hours: 6 }, short: { minutes: 30 }, burnRate: 6 },
        ],
        settle: { minutes: 3 },
        provider: 'prometheus',
        providerOptions: { job: 'checkout' },
      }),
    ).toEqual({
      objective: 0.999,
      periodMs: 30 * DAY,
      sustainMs: 2 * MINUTE,
      minRequests: 100,
      settleMs: 3 * MINUTE,
      provider: 'prometheus',
      providerOptions: { job: 'checkout' },
      windows: [
        { longWindowMs: HOUR, shortWindowMs: 5 * MINUTE, burnRate: 14.4 },
        { longWindowMs: 6 * HOUR, shortWindowMs: 30 * MINUTE, burnRate: 6 },
      ],
    });
  });

  it('defaults everything but the objective', () => {
    const slo = read({ objective: 0.995 });
    expect(slo).toEqual({
      objective: 0.995,
      periodMs: 30 * DAY,
      sustainMs: 2 * MINUTE,
      minRequests: 100,
      settleMs: MINUTE,
      provider: 'push',
      providerOptions: {},
      windows: DEFAULT_BURN_WINDOWS,
    });
    // A private copy: callers may not reach the shared defaults through it.
    expect(slo!.windows).not.toBe(DEFAULT_BURN_WINDOWS);
    expect(Object.isFrozen(slo!.windows[0])).toBe(false);
  });

  it('overrides windows and thresholds, with string durations', () => {
    expect(
      read({
        objective: 0.99,
        sustain: '30s',
        minRequests: 0,
        windows: [{ long: 'PT2H', short: '10m', burnRate: 10 }],
      }),
    ).toMatchObject({
      sustainMs: 30_000,
      minRequests: 0,
      windows: [
        { longWindowMs: 2 * HOUR, shortWindowMs: 10 * MINUTE, burnRate: 10 },
      ],
    });
  });

  it('returns undefined when the block is absent', () => {
    expect(
      readSloConfig(new ConfigReader({}), 'promotion.slo'),
    ).toBeUndefined();
  });

  it('names the full key when reading a sub-tree', () => {
    const env = new ConfigReader({ slo: { objective: 2 } });
    expect(() =>
      readSloConfig(env, 'slo', {
        path: 'promotion.pipelines.default.environments[2].slo',
      }),
    ).toThrow(
      "Invalid promotion config at 'promotion.pipelines.default.environments[2].slo.objective'",
    );
  });

  const window = { long: { hours: 1 }, short: { minutes: 5 }, burnRate: 14.4 };
  it.each<{ name: string; slo: JsonValue; key: string; problem: RegExp }>([
    {
      name: 'missing objective',
      slo: { minRequests: 5 },
      key: 'objective',
      problem: /is required/,
    },
    {
      name: 'objective 1',
      slo: { objective: 1 },
      key: 'objective',
      problem: /between 0 and 1/,
    },
    {
      name: 'objective 0',
      slo: { objective: 0 },
      key: 'objective',
      problem: /between 0 and 1/,
    },
    {
      name: 'objective as a percentage',
      slo: { objective: 99.9 },
      key: 'objective',
      problem: /0.999 for 99.9%; got 99.9/,
    },
    {
      name: 'objective not a number',
      slo: { objective: 'high' },
      key: 'objective',
      problem: /./,
    },
    {
      name: 'defaults unreachable at a loose objective',
      slo: { objective: 0.9 },
      key: 'objective',
      problem:
        /default burn rate 14.4x can never be reached at objective 0.9 \(at most 10x\); set promotion.slo.windows/,
    },
    {
      name: 'unreadable period',
      slo: { objective: 0.999, period: { fortnights: 2 } },
      key: 'period',
      problem: /unreadable duration/,
    },
    {
      name: 'zero period',
      slo: { objective: 0.999, period: { days: 0 } },
      key: 'period',
      problem: /longer than zero/,
    },
    {
      name: 'negative sustain',
      slo: { objective: 0.999, sustain: { minutes: -1 } },
      key: 'sustain',
      problem: /must not be negative/,
    },
    {
      name: 'negative settle',
      slo: { objective: 0.999, settle: { minutes: -1 } },
      key: 'settle',
      problem: /must not be negative/,
    },
    {
      name: 'unreadable sustain',
      slo: { objective: 0.999, sustain: 'soon' },
      key: 'sustain',
      problem: /unreadable duration/,
    },
    {
      name: 'negative minRequests',
      slo: { objective: 0.999, minRequests: -1 },
      key: 'minRequests',
      problem: /whole number/,
    },
    {
      name: 'fractional minRequests',
      slo: { objective: 0.999, minRequests: 2.5 },
      key: 'minRequests',
      problem: /whole number/,
    },
    {
      name: 'empty windows',
      slo: { objective: 0.999, windows: [] },
      key: 'windows',
      problem: /at least one window pair/,
    },
    {
      name: 'windows not a list',
      slo: { objective: 0.999, windows: 'fast' },
      key: 'windows',
      problem: /./,
    },
    {
      name: 'short equal to long',
      slo: { objective: 0.999, windows: [{ ...window, short: { hours: 1 } }] },
      key: 'windows[0].short',
      problem: /shorter than the long window/,
    },
    {
      name: 'short longer than long',
      slo: {
        objective: 0.999,
        windows: [window, { ...window, short: { hours: 2 } }],
      },
      key: 'windows[1].short',
      problem: /shorter than the long window/,
    },
    {
      name: 'burnRate zero',
      slo: { objective: 0.999, windows: [{ ...window, burnRate: 0 }] },
      key: 'windows[0].burnRate',
      problem: /above 0/,
    },
    {
      name: 'burnRate negative',
      slo: { objective: 0.999, windows: [{ ...window, burnRate: -6 }] },
      key: 'windows[0].burnRate',
      problem: /above 0/,
    },
    {
      name: 'burnRate missing',
      slo: {
        objective: 0.999,
        windows: [{ long: window.long, short: window.short }],
      },
      key: 'windows[0].burnRate',
      problem: /is required/,
    },
    {
      name: 'long missing',
      slo: {
        objective: 0.999,
        windows: [{ short: window.short, burnRate: 6 }],
      },
      key: 'windows[0].long',
      problem: /is required/,
    },
    {
      name: 'short zero',
      slo: {
        objective: 0.999,
        windows: [{ ...window, short: { minutes: 0 } }],
      },
      key: 'windows[0].short',
      problem: /longer than zero/,
    },
    {
      name: 'unreadable long',
      slo: { objective: 0.999, windows: [{ ...window, long: 'an hour' }] },
      key: 'windows[0].long',
      problem: /unreadable duration/,
    },
    {
      name: 'burnRate above what the objective allows',
      slo: { objective: 0.99, windows: [{ ...window, burnRate: 150 }] },
      key: 'windows[0].burnRate',
      problem: /150x can never be reached at objective 0.99 \(at most 100x\)/,
    },
  ])('rejects $name, naming $key', ({ slo, key, problem }) => {
    let error: unknown;
    try {
      read(slo);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SloConfigError);
    const message = (error as Error).message;
    expect(message).toContain(
      `Invalid promotion config at 'promotion.slo.${key}': `,
    );
    expect(message).toMatch(problem);
  });

  it('accepts the highest possible burn rate (every request failing)', () => {
    expect(
      read({ objective: 0.999, windows: [{ ...window, burnRate: 1000 }] })!
        .windows[0].burnRate,
    ).toBe(1000);
  });
});
