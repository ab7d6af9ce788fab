import { ConfigReader } from '@backstage/config';
import { CalendarConfigError, readCalendars } from './readCalendars';

const read = (calendars: unknown) =>
  readCalendars(new ConfigReader({ promotion: { calendars } } as any));

const friday = {
  name: 'friday-afternoon',
  days: ['fri'],
  from: '12:00',
  to: '24:00',
  reason: 'No Friday-afternoon deploys',
};
const blackFriday = {
  name: 'black-friday',
  start: '2026-11-27T00:00',
  end: '2026-12-01T00:00',
  reason: 'Black Friday weekend',
};
const withDeny = (...deny: unknown[]) => ({
  prod: { timezone: 'Europe/Berlin', deny },
});
const withBlackouts = (...blackouts: unknown[]) => ({
  prod: { timezone: 'Europe/Berlin', blackouts },
});

describe('readCalendars', () => {
  it('reads deny rules and blackouts, local times in the calendar zone', () => {
    const calendars = read({
      'prod-calendar': {
        timezone: 'Europe/Berlin',
        deny: [friday],
        blackouts: [blackFriday],
      },
    });
    expect(calendars.get('prod-calendar')).toEqual({
      name: 'prod-calendar',
      timezone: 'Europe/Berlin',
      deny: [
        {
          name: 'friday-afternoon',
          days: ['fri'],
          fromMinute: 720,
          toMinute: 1440,
          reason: 'No Friday-afternoon deploys',
        },
      ],
      blackouts: [
        {
          name: 'black-friday',
          start: new Date('2026-11-26T23:00:00Z'),
          end: new Date('2026-11-30T23:00:00Z'),
          reason: 'Black Friday weekend',
        },
      ],
    });
  });

  it('is empty without promotion.calendars', () => {
    expect(readCalendars(new ConfigReader({})).size).toBe(0);
  });

  it('accepts adjacent rules and blackouts: ranges are half-open', () => {
    const calendars = read({
      prod: {
        timezone: 'UTC',
        deny: [
          { ...friday, name: 'a', from: '09:00', to: '10:00' },
          { ...friday, name: 'b', from: '10:00', to: '12:00' },
        ],
        blackouts: [
          { ...blackFriday, name: 'c', start: '2026-01-01', end: '2026-01-02' },
          { ...blackFriday, name: 'd', start: '2026-01-02', end: '2026-01-03' },
        ],
      },
    });
    expect(calendars.get('prod')!.deny).toHaveLength(2);
    expect(calendars.get('prod')!.blackouts).toHaveLength(2);
  });

  it.each([
    [
      'an instant with offset',
      '2026-11-27T00:00+05:00',
      '2026-11-26T19:00:00.000Z',
    ],
    ['an instant in UTC', '2026-11-27T00:00:30Z', '2026-11-27T00:00:30.000Z'],
    ['a bare local date', '2026-11-27', '2026-11-26T23:00:00.000Z'],
    [
      'a local time with seconds',
      '2026-11-27T08:15:30',
      '2026-11-27T07:15:30.000Z',
    ],
    [
      'a repeated local time, as its first occurrence',
      '2026-10-25T02:30',
      '2026-10-25T00:30:00.000Z',
    ],
  ])('reads a blackout start given as %s', (_case, start, expected) => {
    const calendars = read(
      withBlackouts({ ...blackFriday, start, end: '2027-01-01T00:00Z' }),
    );
    expect(calendars.get('prod')!.blackouts[0].start.toISOString()).toBe(
      expected,
    );
  });

  it.each([
    [
      'a misspelt time zone',
      { prod: { timezone: 'Europe/Berlinn' } },
      "promotion.calendars.prod.timezone: 'Europe/Berlinn' is not a valid IANA time zone",
    ],
    [
      'a missing time zone',
      { prod: { deny: [friday] } },
      'promotion.calendars.prod.timezone: must be a non-empty string',
    ],
    [
      'a calendar that is not an object',
      { prod: 'Europe/Berlin' },
      'promotion.calendars.prod: must be an object with timezone, deny, blackouts',
    ],
    [
      'a misspelt key',
      { prod: { timezone: 'UTC', blackout: [blackFriday] } },
      'promotion.calendars.prod.blackout: unknown key (expected timezone, deny, blackouts)',
    ],
    [
      'deny that is not a list',
      { prod: { timezone: 'UTC', deny: friday } },
      'promotion.calendars.prod.deny: must be a list',
    ],
    [
      'a bad day name',
      withDeny({ ...friday, days: ['fri', 'friday'] }),
      'promotion.calendars.prod.deny[0].days[1]: "friday" is not a day; use mon, tue, wed, thu, fri, sat, sun',
    ],
    [
      'no days',
      withDeny({ ...friday, days: [] }),
      'promotion.calendars.prod.deny[0].days: must be a non-empty list of mon, tue, wed, thu, fri, sat, sun',
    ],
    [
      'a day listed twice',
      withDeny({ ...friday, days: ['fri', 'fri'] }),
      "promotion.calendars.prod.deny[0].days[1]: 'fri' is listed twice",
    ],
    [
      'a time without leading zero',
      withDeny({ ...friday, from: '9:00' }),
      'promotion.calendars.prod.deny[0].from: "9:00" must be a local time written HH:mm (00:00 to 23:59); quote it in YAML',
    ],
    [
      'an hour past 24',
      withDeny({ ...friday, to: '25:00' }),
      'promotion.calendars.prod.deny[0].to: "25:00" must be a local time written HH:mm (00:00 to 24:00); quote it in YAML',
    ],
    [
      'a time YAML read as a number',
      withDeny({ ...friday, from: 720 }),
      'promotion.calendars.prod.deny[0].from: 720 must be a local time written HH:mm',
    ],
    [
      'a rule starting at 24:00',
      withDeny({ ...friday, from: '24:00' }),
      "promotion.calendars.prod.deny[0].from: '24:00' may only end a rule",
    ],
    [
      'from equal to to',
      withDeny({ ...friday, from: '12:00', to: '12:00' }),
      "promotion.calendars.prod.deny[0].to: '12:00' must be after from '12:00'",
    ],
    [
      'a rule crossing midnight',
      withDeny({ ...friday, from: '22:00', to: '06:00' }),
      "promotion.calendars.prod.deny[0].to: '06:00' must be after from '22:00'; write a rule that crosses midnight as two rules",
    ],
    [
      'a rule without a reason',
      withDeny({ ...friday, reason: '' }),
      'promotion.calendars.prod.deny[0].reason: must be a non-empty string',
    ],
    [
      'duplicate deny rule names',
      withDeny(friday, { ...friday, days: ['mon'] }),
      "promotion.calendars.prod.deny[1].name: duplicate rule name 'friday-afternoon'",
    ],
    [
      'a blackout named like a deny rule',
      {
        prod: {
          timezone: 'UTC',
          deny: [friday],
          blackouts: [{ ...blackFriday, name: 'friday-afternoon' }],
        },
      },
      "promotion.calendars.prod.blackouts[0].name: duplicate rule name 'friday-afternoon'",
    ],
    [
      'deny rules overlapping on a shared day',
      withDeny(
        {
          ...friday,
          name: 'a',
          days: ['mon', 'fri'],
          from: '09:00',
          to: '12:30',
        },
        {
          ...friday,
          name: 'b',
          days: ['tue', 'fri'],
          from: '12:00',
          to: '13:00',
        },
      ),
      "promotion.calendars.prod.deny[1]: 'b' overlaps deny rule 'a' on fri (09:00-12:30)",
    ],
    [
      'a rule inside another',
      withDeny(friday, {
        ...friday,
        name: 'inner',
        from: '13:00',
        to: '14:00',
      }),
      "promotion.calendars.prod.deny[1]: 'inner' overlaps deny rule 'friday-afternoon' on fri (12:00-24:00)",
    ],
    [
      'overlapping blackouts',
      withBlackouts(blackFriday, {
        ...blackFriday,
        name: 'cyber-monday',
        start: '2026-11-30T00:00',
        end: '2026-12-02T00:00',
      }),
      "promotion.calendars.prod.blackouts[1]: 'cyber-monday' overlaps blackout 'black-friday'",
    ],
    [
      'a blackout ending before it starts',
      withBlackouts({ ...blackFriday, end: '2026-11-26T00:00' }),
      "promotion.calendars.prod.blackouts[0].end: must be after start '2026-11-27T00:00'",
    ],
    [
      'a blackout ending as it starts',
      withBlackouts({ ...blackFriday, end: '2026-11-26T23:00Z' }),
      "promotion.calendars.prod.blackouts[0].end: must be after start '2026-11-27T00:00'",
    ],
    [
      'an unreadable blackout start',
      withBlackouts({ ...blackFriday, start: 'next friday' }),
      'promotion.calendars.prod.blackouts[0].start: "next friday" must be a local date-time such as 2026-11-27T00:00',
    ],
    [
      'an impossible date',
      withBlackouts({ ...blackFriday, start: '2026-02-30T00:00' }),
      "promotion.calendars.prod.blackouts[0].start: '2026-02-30T00:00' is not a valid date-time",
    ],
    [
      'a local time the clocks skip',
      withBlackouts({
        ...blackFriday,
        start: '2026-03-29T02:30',
        end: '2026-03-30',
      }),
      "promotion.calendars.prod.blackouts[0].start: '2026-03-29T02:30' does not exist in Europe/Berlin: the clocks skip it (daylight saving time)",
    ],
    [
      'a calendar that never opens',
      withDeny(
        {
          ...friday,
          name: 'weekdays',
          days: ['mon', 'tue', 'wed', 'thu', 'fri'],
          from: '00:00',
        },
        { ...friday, name: 'weekend', days: ['sat', 'sun'], from: '00:00' },
      ),
      'promotion.calendars.prod.deny: denies every minute of the week, so promotion would never be allowed',
    ],
  ])('rejects %s, naming the key', (_case, calendars, message) => {
    let thrown: unknown;
    try {
      read(calendars);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CalendarConfigError);
    expect((thrown as Error).message).toContain(message);
    expect(
      (thrown as Error).message.startsWith((thrown as CalendarConfigError).key),
    ).toBe(true);
  });
});
