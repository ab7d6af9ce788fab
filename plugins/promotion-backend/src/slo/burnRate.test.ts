import {
  DEFAULT_BURN_WINDOWS,
  TICKET_BURN_WINDOW,
  budgetConsumed,
  burnRate,
  burnWindowDurations,
  errorBudget,
  formatWindow,
  reaches,
} from './burnRate';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('errorBudget', () => {
  it.each([
    [0.999, 0.001],
    [0.99, 0.01],
    [0.9995, 0.0005],
    [0.5, 0.5],
  ])('of %p is %p', (objective, budget) => {
    expect(errorBudget(objective)).toBeCloseTo(budget, 12);
  });

  it.each([0, 1, 1.5, -0.1, 99.9, NaN])('rejects objective %p', objective => {
    expect(() => errorBudget(objective)).toThrow(RangeError);
  });
});

describe('budgetConsumed (SRE workbook, 30-day SLO)', () => {
  it.each([
    // [burn rate, window, share of the 30-day budget]
    [14.4, HOUR, 0.02],
    [6, 6 * HOUR, 0.05],
    [1, 3 * DAY, 0.1],
    [1, 30 * DAY, 1],
  ])('%px for %pms spends %p', (rate, windowMs, share) => {
    expect(budgetConsumed(rate, windowMs, 30 * DAY)).toBeCloseTo(share, 12);
  });

  it('defaults to a 30-day period: 14.4 * 1h / 720h = 0.02', () => {
    expect(budgetConsumed(14.4, HOUR)).toBeCloseTo((14.4 * 1) / 720, 12);
    expect((14.4 * 1) / 720).toBeCloseTo(0.02, 12);
  });
});

describe('burnRate', () => {
  it.each([
    {
      name: '2 bad of 1000 at 99.9%',
      good: 998,
      total: 1000,
      objective: 0.999,
      rate: 2,
    },
    {
      name: '20 bad of 1000 at 99.9%',
      good: 980,
      total: 1000,
      objective: 0.999,
      rate: 20,
    },
    {
      name: '1 bad of 1000 at 99.9% (exactly on budget)',
      good: 999,
      total: 1000,
      objective: 0.999,
      rate: 1,
    },
    {
      name: 'no bad requests',
      good: 1000,
      total: 1000,
      objective: 0.999,
      rate: 0,
    },
    {
      name: 'every request bad at 99.9%',
      good: 0,
      total: 1000,
      objective: 0.999,
      rate: 1000,
    },
    {
      name: '144 bad of 10000 at 99.9%',
      good: 9856,
      total: 10000,
      objective: 0.999,
      rate: 14.4,
    },
    {
      name: '5 bad of 100 at 99%',
      good: 95,
      total: 100,
      objective: 0.99,
      rate: 5,
    },
    {
      name: 'good above total (counter extrapolation)',
      good: 1002,
      total: 1000,
      objective: 0.999,
      rate: 0,
    },
  ])('$name → $rate', ({ good, total, objective, rate }) => {
    expect(burnRate({ good, total }, objective)).toBeCloseTo(rate, 9);
  });

  it.each([
    { name: 'no requests', good: 0, total: 0 },
    { name: 'negative total', good: 0, total: -5 },
    { name: 'negative good', good: -1, total: 10 },
    { name: 'NaN total', good: 1, total: NaN },
    { name: 'NaN good', good: NaN, total: 10 },
    { name: 'infinite total', good: 1, total: Infinity },
  ])('$name → undefined (no data)', ({ good, total }) => {
    expect(burnRate({ good, total }, 0.999)).toBeUndefined();
  });

  it('rejects an objective outside (0, 1)', () => {
    expect(() => burnRate({ good: 1, total: 1 }, 1)).toThrow(RangeError);
  });
});

describe('reaches', () => {
  it.each([
    [14.4, 14.4, true],
    [14.399999999999986, 14.4, true],
    [14.39, 14.4, false],
    [20, 14.4, true],
    [0, 1, false],
  ])('%p against %p → %p', (value, threshold, expected) => {
    expect(reaches(value, threshold)).toBe(expected);
  });
});

describe('window defaults', () => {
  it('are the workbook paging pairs, without the ticket pair', () => {
    expect(DEFAULT_BURN_WINDOWS).toEqual([
      { longWindowMs: HOUR, shortWindowMs: 5 * MINUTE, burnRate: 14.4 },
      { longWindowMs: 6 * HOUR, shortWindowMs: 30 * MINUTE, burnRate: 6 },
    ]);
    expect(DEFAULT_BURN_WINDOWS).not.toContainEqual(TICKET_BURN_WINDOW);
    expect(TICKET_BURN_WINDOW).toEqual({
      longWindowMs: 3 * DAY,
      shortWindowMs: 6 * HOUR,
      burnRate: 1,
    });
  });

  it('have short windows of 1/12 of the long one, as the workbook advises', () => {
    for (const w of [...DEFAULT_BURN_WINDOWS, TICKET_BURN_WINDOW]) {
      expect(w.shortWindowMs * 12).toBe(w.longWindowMs);
    }
  });

  it('cannot be mutated by callers', () => {
    expect(Object.isFrozen(DEFAULT_BURN_WINDOWS)).toBe(true);
    expect(Object.isFrozen(DEFAULT_BURN_WINDOWS[0])).toBe(true);
  });
});

describe('burnWindowDurations', () => {
  it('lists each needed duration once, shortest first', () => {
    expect(
      burnWindowDurations([...DEFAULT_BURN_WINDOWS, TICKET_BURN_WINDOW]),
    ).toEqual([5 * MINUTE, 30 * MINUTE, HOUR, 6 * HOUR, 3 * DAY]);
  });
});

describe('formatWindow', () => {
  it.each([
    [5 * MINUTE, '5m'],
    [HOUR, '1h'],
    [90 * MINUTE, '90m'],
    [3 * DAY, '3d'],
    [1500, '1500ms'],
    [30_000, '30s'],
  ])('%p → %p', (ms, label) => {
    expect(formatWindow(ms)).toBe(label);
  });
});
