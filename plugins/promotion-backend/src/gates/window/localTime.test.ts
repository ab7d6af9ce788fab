import {
  addDays,
  instantsAtLocalTime,
  isValidTimeZone,
  localDateAt,
  offsetChanges,
} from './localTime';

const iso = (instants: number[]) =>
  instants.map(i => new Date(i).toISOString());

describe('instantsAtLocalTime', () => {
  it.each([
    [
      'an ordinary time',
      { year: 2026, month: 3, day: 28 },
      150,
      ['2026-03-28T01:30:00.000Z'],
    ],
    ['a time the clocks skip', { year: 2026, month: 3, day: 29 }, 150, []],
    [
      'a time the clocks repeat, earliest first',
      { year: 2026, month: 10, day: 25 },
      150,
      ['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z'],
    ],
  ])('finds %s in Europe/Berlin', (_case, date, minute, expected) => {
    expect(iso(instantsAtLocalTime('Europe/Berlin', date, minute))).toEqual(
      expected,
    );
  });

  it('finds no midnight on the day Chile skips it', () => {
    expect(
      instantsAtLocalTime(
        'America/Santiago',
        { year: 2026, month: 9, day: 6 },
        0,
      ),
    ).toEqual([]);
  });
});

describe('offsetChanges', () => {
  it('finds each change of 2026 to the millisecond', () => {
    const year = [
      Date.parse('2026-01-01T00:00Z'),
      Date.parse('2027-01-01T00:00Z'),
    ] as const;
    expect(iso(offsetChanges('Europe/Berlin', ...year))).toEqual([
      '2026-03-29T01:00:00.000Z',
      '2026-10-25T01:00:00.000Z',
    ]);
    expect(iso(offsetChanges('Australia/Lord_Howe', ...year))).toEqual([
      '2026-04-04T15:00:00.000Z',
      '2026-10-03T15:30:00.000Z',
    ]);
    expect(offsetChanges('Asia/Kolkata', ...year)).toEqual([]);
  });
});

describe('dates and zones', () => {
  it('reads the local date of an instant', () => {
    expect(
      localDateAt('America/New_York', Date.parse('2026-01-01T04:59Z')),
    ).toEqual({
      year: 2025,
      month: 12,
      day: 31,
    });
  });

  it('adds days across month and year ends', () => {
    expect(addDays({ year: 2026, month: 12, day: 31 }, 1)).toEqual({
      year: 2027,
      month: 1,
      day: 1,
    });
    expect(addDays({ year: 2026, month: 3, day: 1 }, -1)).toEqual({
      year: 2026,
      month: 2,
      day: 28,
    });
  });

  it('knows IANA zones', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('Europe/Berlinn')).toBe(false);
    expect(isValidTimeZone('+01:00')).toBe(false);
  });
});
