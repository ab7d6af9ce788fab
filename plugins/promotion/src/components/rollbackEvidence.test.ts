import { formatBurnRate, formatObjective } from './format';
import { isFiring, readRollbackEvidence } from './rollbackEvidence';

describe('readRollbackEvidence', () => {
  it('reads the objective, the sustain time and each window pair', () => {
    expect(
      readRollbackEvidence({
        objective: 0.999,
        sustainMs: 120_000,
        crossedAt: '2026-01-01T00:00:00Z',
        windows: [
          {
            long: '1h',
            short: '5m',
            threshold: 14.4,
            longBurnRate: 20.04,
            shortBurnRate: 31,
            status: 'firing',
          },
          { long: '6h', short: '30m', threshold: 6, status: 'blind' },
        ],
      }),
    ).toEqual({
      objective: 0.999,
      sustainMs: 120_000,
      windows: [
        {
          long: '1h',
          short: '5m',
          threshold: 14.4,
          longBurnRate: 20.04,
          shortBurnRate: 31,
          status: 'firing',
        },
        {
          long: '6h',
          short: '30m',
          threshold: 6,
          longBurnRate: undefined,
          shortBurnRate: undefined,
          status: 'blind',
        },
      ],
    });
  });

  it('leaves out what is missing or of the wrong type', () => {
    expect(readRollbackEvidence(undefined)).toEqual({
      objective: undefined,
      sustainMs: undefined,
      windows: [],
    });
    expect(
      readRollbackEvidence({
        objective: '99.9',
        sustainMs: Number.NaN,
        windows: [
          null,
          'x',
          { threshold: 2 },
          { long: '1h', longBurnRate: 'fast', threshold: null },
        ],
      }),
    ).toEqual({
      objective: undefined,
      sustainMs: undefined,
      windows: [
        {
          long: '1h',
          short: '?',
          threshold: undefined,
          longBurnRate: undefined,
          shortBurnRate: undefined,
          status: undefined,
        },
      ],
    });
    expect(readRollbackEvidence({ objective: 99.9, windows: {} })).toEqual({
      objective: undefined,
      sustainMs: undefined,
      windows: [],
    });
  });
});

describe('isFiring', () => {
  it("trusts the backend's status, else needs both rates at the threshold", () => {
    const pair = { long: '1h', short: '5m', threshold: 14.4 };
    expect(isFiring({ ...pair, status: 'firing' })).toBe(true);
    expect(
      isFiring({ ...pair, status: 'ok', longBurnRate: 20, shortBurnRate: 20 }),
    ).toBe(false);
    expect(isFiring({ ...pair, longBurnRate: 14.4, shortBurnRate: 15 })).toBe(
      true,
    );
    expect(isFiring({ ...pair, longBurnRate: 20, shortBurnRate: 3 })).toBe(
      false,
    );
    expect(isFiring({ ...pair, longBurnRate: 20 })).toBe(false);
  });
});

describe('formatting', () => {
  it('formats burn rates and objectives', () => {
    expect(formatBurnRate(20.04)).toBe('20×');
    expect(formatBurnRate(14.46)).toBe('14.5×');
    expect(formatBurnRate(undefined)).toBe('no data');
    expect(formatObjective(0.999)).toBe('99.9%');
    expect(formatObjective(0.9995)).toBe('99.95%');
    expect(formatObjective(0.99)).toBe('99%');
  });
});
