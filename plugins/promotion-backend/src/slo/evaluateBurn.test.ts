import fc from 'fast-check';
import { SloCounts } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { DEFAULT_BURN_WINDOWS, TICKET_BURN_WINDOW, reaches } from './burnRate';
import { evaluateBurn } from './evaluateBurn';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const OBJECTIVE = 0.999;

/** Counts that burn the 99.9% budget at `rate`, over `total` requests. */
function burning(rate: number, total = 10_000): SloCounts {
  return { good: total - Math.round((rate * total) / 1000), total };
}

type Counts = Record<string, SloCounts | undefined>;
const label: Record<number, string> = {
  [5 * MINUTE]: '5m',
  [30 * MINUTE]: '30m',
  [HOUR]: '1h',
  [6 * HOUR]: '6h',
};

function evaluate(counts: Counts, minRequests = 100) {
  return evaluateBurn({
    objective: OBJECTIVE,
    windows: DEFAULT_BURN_WINDOWS,
    counts: ms => counts[label[ms]],
    minRequests,
  });
}

const everywhere = (c: SloCounts): Counts => ({
  '5m': c,
  '1h': c,
  '30m': c,
  '6h': c,
});

describe('evaluateBurn (workbook paging pairs at 99.9%)', () => {
  it.each<{
    name: string;
    counts: Counts;
    minRequests?: number;
    firing: boolean;
    blind: boolean;
    pairs: string[];
    reason: RegExp;
  }>([
    {
      name: '20x in every window fires both pairs',
      counts: everywhere(burning(20)),
      firing: true,
      blind: false,
      pairs: ['firing', 'firing'],
      reason: /20x over 1h, 20x over 5m reaches 14.4x/,
    },
    {
      name: 'exactly 14.4x in both windows of pair 1 fires it',
      counts: everywhere(burning(14.4)),
      firing: true,
      blind: false,
      pairs: ['firing', 'firing'],
      reason: /14.4x over 1h/,
    },
    {
      name: 'a 20x spike only in the short window does not fire',
      counts: { ...everywhere(burning(2)), '5m': burning(20) },
      firing: false,
      blind: false,
      pairs: ['ok', 'ok'],
      reason: /under/,
    },
    {
      name: 'a burn that stopped (long high, short low) resets pair 1',
      counts: {
        ...everywhere(burning(2)),
        '1h': burning(20),
        '5m': burning(1),
      },
      firing: false,
      blind: false,
      pairs: ['ok', 'ok'],
      reason: /under/,
    },
    {
      name: '2x everywhere fires nothing',
      counts: everywhere(burning(2)),
      firing: false,
      blind: false,
      pairs: ['ok', 'ok'],
      reason: /every window pair is under its burn rate/,
    },
    {
      name: '10x everywhere fires the slow pair only',
      counts: everywhere(burning(10)),
      firing: true,
      blind: false,
      pairs: ['ok', 'firing'],
      reason: /10x over 6h, 10x over 30m reaches 6x/,
    },
    {
      // Zero traffic is too little traffic, like 50 requests: not enough to
      // judge, so neither a rollback nor a "blind" page.
      name: 'no requests in any window is low traffic, neither firing nor blind',
      counts: everywhere({ good: 0, total: 0 }),
      firing: false,
      blind: false,
      pairs: ['low-traffic', 'low-traffic'],
      reason: /too little traffic: 0 requests in 1h, need 100/,
    },
    {
      name: 'no requests in the short window: traffic stopped, nothing burns now',
      counts: { ...everywhere(burning(20)), '5m': { good: 0, total: 0 } },
      firing: true,
      blind: false,
      pairs: ['low-traffic', 'firing'],
      reason: /reaches 6x/,
    },
    {
      name: 'missing counts for a window are blind',
      counts: { ...everywhere(burning(2)), '6h': undefined },
      firing: false,
      blind: true,
      pairs: ['ok', 'blind'],
      reason: /no data for the 6h window/,
    },
    {
      name: 'NaN counts from the source are blind',
      counts: { ...everywhere(burning(2)), '30m': { good: NaN, total: NaN } },
      firing: false,
      blind: true,
      pairs: ['ok', 'blind'],
      reason: /no data for the 30m window/,
    },
    {
      name: 'a full burn on too little traffic does not fire',
      counts: everywhere({ good: 0, total: 50 }),
      firing: false,
      blind: false,
      pairs: ['low-traffic', 'low-traffic'],
      reason: /too little traffic: 50 requests in 1h, need 100/,
    },
    {
      name: 'low traffic wins over an empty short window',
      counts: {
        ...everywhere({ good: 0, total: 50 }),
        '5m': { good: 0, total: 0 },
      },
      firing: false,
      blind: false,
      pairs: ['low-traffic', 'low-traffic'],
      reason: /too little traffic/,
    },
    {
      name: 'minRequests is a floor, not a bar to clear: exactly 100 counts',
      counts: everywhere(burning(20, 100)),
      firing: true,
      blind: false,
      pairs: ['firing', 'firing'],
      reason: /20x over 1h/,
    },
    {
      name: 'a pair with data still fires when another pair is blind',
      counts: { ...everywhere(burning(10)), '5m': undefined },
      firing: true,
      blind: true,
      pairs: ['blind', 'firing'],
      reason: /reaches 6x; also no data for the 5m window/,
    },
    {
      name: 'minRequests 0 accepts any traffic, but zero requests is still too few',
      counts: {
        ...everywhere({ good: 0, total: 1 }),
        '6h': { good: 0, total: 0 },
      },
      minRequests: 0,
      firing: true,
      blind: false,
      pairs: ['firing', 'low-traffic'],
      reason: /1000x over 1h/,
    },
    {
      name: 'negative counts from the source are blind',
      counts: { ...everywhere(burning(2)), '1h': { good: -1, total: 10 } },
      firing: false,
      blind: true,
      pairs: ['blind', 'ok'],
      reason: /no data for the 1h window/,
    },
  ])('$name', ({ counts, minRequests, firing, blind, pairs, reason }) => {
    const result = evaluate(counts, minRequests);
    expect(result.firing).toBe(firing);
    expect(result.blind).toBe(blind);
    expect(result.windows.map(w => w.status)).toEqual(pairs);
    expect(result.windows.map(w => w.firing)).toEqual(
      pairs.map(p => p === 'firing'),
    );
    expect(result.reason).toMatch(reason);
  });

  it('reports both burn rates and the long-window traffic per pair', () => {
    const result = evaluate({
      ...everywhere(burning(2)),
      '1h': burning(20),
      '5m': burning(16, 1000),
    });
    expect(result.windows[0]).toMatchObject({
      window: DEFAULT_BURN_WINDOWS[0],
      longTotal: 10_000,
    });
    expect(result.windows[0].longBurnRate).toBeCloseTo(20, 9);
    expect(result.windows[0].shortBurnRate).toBeCloseTo(16, 9);
  });

  it('uses the thresholds it is given, e.g. the ticket pair', () => {
    const counts: Record<number, SloCounts> = {
      [TICKET_BURN_WINDOW.longWindowMs]: burning(1.5),
      [TICKET_BURN_WINDOW.shortWindowMs]: burning(1.2),
    };
    const result = evaluateBurn({
      objective: OBJECTIVE,
      windows: [TICKET_BURN_WINDOW],
      counts: ms => counts[ms],
      minRequests: 100,
    });
    expect(result.firing).toBe(true);
    expect(result.reason).toMatch(/over 3d.*over 6h reaches 1x/);
  });

  it('with no windows neither fires nor is blind', () => {
    const result = evaluateBurn({
      objective: OBJECTIVE,
      windows: [],
      counts: () => burning(1000),
      minRequests: 0,
    });
    expect(result).toEqual({
      firing: false,
      blind: false,
      reason: 'no burn windows configured',
      windows: [],
    });
  });

  it.each([
    [{ objective: 1, minRequests: 0 }],
    [{ objective: 0.999, minRequests: -1 }],
    [{ objective: 0.999, minRequests: NaN }],
  ])('rejects bad input %p', partial => {
    expect(() =>
      evaluateBurn({
        windows: DEFAULT_BURN_WINDOWS,
        counts: () => burning(1),
        ...partial,
      }),
    ).toThrow(RangeError);
  });

  it('does not ask for the short window when the long one already rules the pair out', () => {
    const asked: number[] = [];
    evaluateBurn({
      objective: OBJECTIVE,
      windows: [DEFAULT_BURN_WINDOWS[0]],
      counts: ms => {
        asked.push(ms);
        return { good: 0, total: 10 };
      },
      minRequests: 100,
    });
    expect(asked).toEqual([HOUR]);
  });
});

describe('evaluateBurn properties', () => {
  const countsArb = fc.option(
    fc.record({
      total: fc.integer({ min: 0, max: 10_000 }),
      badShare: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
    { nil: undefined },
  );
  const toCounts = (c: { total: number; badShare: number } | undefined) =>
    c && { good: c.total - Math.round(c.total * c.badShare), total: c.total };

  // Properties return a boolean rather than asserting inside branches.
  it('a firing pair always has data, enough traffic and both rates at its threshold', () => {
    fc.assert(
      fc.property(
        fc.array(countsArb, { minLength: 4, maxLength: 4 }),
        fc.integer({ min: 0, max: 2_000 }),
        (raw, minRequests) => {
          const [c5m, c1h, c30m, c6h] = raw.map(toCounts);
          const result = evaluate(
            { '5m': c5m, '1h': c1h, '30m': c30m, '6h': c6h },
            minRequests,
          );
          const pairsSound = result.windows.every(
            w =>
              w.firing ===
                (w.status === 'firing' &&
                  w.longTotal! >= minRequests &&
                  reaches(w.longBurnRate!, w.window.burnRate) &&
                  reaches(w.shortBurnRate!, w.window.burnRate)) &&
              (w.status !== 'blind' || !w.firing),
          );
          return (
            pairsSound &&
            result.firing === result.windows.some(w => w.firing) &&
            result.blind === result.windows.some(w => w.status === 'blind')
          );
        },
      ),
    );
  });

  it('more bad requests never turn a firing evaluation off', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 100_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (total, share, extra) => {
          const bad = Math.round(total * share);
          const worse = Math.min(total, bad + Math.round(total * extra));
          const before = evaluate(everywhere({ good: total - bad, total }));
          const after = evaluate(everywhere({ good: total - worse, total }));
          return !before.firing || after.firing;
        },
      ),
    );
  });
});
