import fc from 'fast-check';
import { DateTime, Settings } from 'luxon';
import {
  Blackout,
  Calendar,
  DenyRule,
  MINUTES_PER_DAY,
  WEEKDAYS,
  Weekday,
} from './calendar';
import {
  CalendarDecision,
  evaluateCalendar,
  nextAllowedAt,
} from './evaluateCalendar';
import { exampleCalendars } from './testCalendars';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const YEAR_START = Date.UTC(2026, 0, 1);
const YEAR_END = Date.UTC(2027, 0, 1);

/** Every 2026 offset change of the zones under test, checked below against Intl. */
const TRANSITIONS: Record<string, number[]> = {
  'Europe/Berlin': [
    Date.parse('2026-03-29T01:00Z'),
    Date.parse('2026-10-25T01:00Z'),
  ],
  'America/New_York': [
    Date.parse('2026-03-08T07:00Z'),
    Date.parse('2026-11-01T06:00Z'),
  ],
  // Chile moves its clocks at midnight, so local midnight is skipped or repeated.
  'America/Santiago': [
    Date.parse('2026-04-05T03:00Z'),
    Date.parse('2026-09-06T04:00Z'),
  ],
  // Lord Howe Island shifts by 30 minutes.
  'Australia/Lord_Howe': [
    Date.parse('2026-04-04T15:00Z'),
    Date.parse('2026-10-03T15:30Z'),
  ],
  'Pacific/Auckland': [
    Date.parse('2026-04-04T14:00Z'),
    Date.parse('2026-09-26T14:00Z'),
  ],
  'Asia/Kolkata': [],
  UTC: [],
};
const ZONES = Object.keys(TRANSITIONS);

// The oracle reads wall clocks with Intl directly, independent of luxon and of our code.
const formatters = new Map<string, Intl.DateTimeFormat>();
function wallClock(zone: string, instantMs: number) {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, format);
  }
  const parts = Object.fromEntries(
    format.formatToParts(new Date(instantMs)).map(p => [p.type, p.value]),
  );
  const millisecond = ((instantMs % 1000) + 1000) % 1000;
  const wallAsUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
    millisecond,
  );
  return {
    weekday: parts.weekday.toLowerCase() as Weekday,
    msOfDay:
      ((Number(parts.hour) * 60 + Number(parts.minute)) * 60 +
        Number(parts.second)) *
        1000 +
      millisecond,
    offsetMs: wallAsUtc - instantMs,
  };
}

/** Names of the rules and blackouts that contain the instant, by the oracle. */
function coveringRules(calendar: Calendar, instantMs: number): string[] {
  const wall = wallClock(calendar.timezone, instantMs);
  return [
    ...calendar.blackouts
      .filter(
        b => b.start.getTime() <= instantMs && instantMs < b.end.getTime(),
      )
      .map(b => b.name),
    ...calendar.deny
      .filter(
        r =>
          r.days.includes(wall.weekday) &&
          r.fromMinute * 60_000 <= wall.msOfDay &&
          wall.msOfDay < r.toMinute * 60_000,
      )
      .map(r => r.name),
  ];
}
const oracleAllows = (calendar: Calendar, instantMs: number) =>
  coveringRules(calendar, instantMs).length === 0;

// Edges at DST-prone hours and midnight are likelier than uniform minutes would make them.
const minuteArb = fc.oneof(
  fc.integer({ min: 0, max: MINUTES_PER_DAY - 1 }),
  fc.constantFrom(0, 30, 60, 120, 150, 180, 210, 1380, 1439),
);
const denyRuleArb = fc
  .record({
    days: fc.subarray([...WEEKDAYS], { minLength: 1 }),
    from: minuteArb,
    length: fc.integer({ min: 1, max: MINUTES_PER_DAY }),
    toEndOfDay: fc.boolean(),
  })
  .map(({ days, from, length, toEndOfDay }) => ({
    days,
    fromMinute: from,
    toMinute: toEndOfDay
      ? MINUTES_PER_DAY
      : Math.min(from + length, MINUTES_PER_DAY),
  }));
const blackoutArb = fc.record({
  startMs: fc.integer({ min: YEAR_START - 7 * DAY_MS, max: YEAR_END }),
  lengthMs: fc.oneof(
    fc.integer({ min: 1, max: 6 * HOUR_MS }),
    fc.integer({ min: 60_000, max: 5 * DAY_MS }),
  ),
});

/** A random valid calendar: overlapping rules and blackouts are dropped, as validation would refuse them. */
const calendarArb = fc
  .record({
    timezone: fc.constantFrom(...ZONES),
    rules: fc.array(denyRuleArb, { maxLength: 8 }),
    blackouts: fc.array(blackoutArb, { maxLength: 4 }),
  })
  .map(({ timezone, rules, blackouts }): Calendar => {
    const deny: DenyRule[] = [];
    let deniedMinutes = 0;
    for (const rule of rules) {
      const overlaps = deny.some(
        other =>
          other.days.some(d => rule.days.includes(d)) &&
          rule.fromMinute < other.toMinute &&
          other.fromMinute < rule.toMinute,
      );
      const minutes = (rule.toMinute - rule.fromMinute) * rule.days.length;
      if (!overlaps && deniedMinutes + minutes < 7 * MINUTES_PER_DAY) {
        deny.push({
          ...rule,
          name: `deny-${deny.length}`,
          reason: `deny ${deny.length}`,
        });
        deniedMinutes += minutes;
      }
    }
    const periods: Blackout[] = [];
    for (const { startMs, lengthMs } of blackouts) {
      const start = new Date(startMs);
      const end = new Date(startMs + lengthMs);
      if (!periods.some(p => start < p.end && p.start < end)) {
        periods.push({
          name: `blackout-${periods.length}`,
          start,
          end,
          reason: 'blackout',
        });
      }
    }
    return { name: 'random', timezone, deny, blackouts: periods };
  });

/** Instants across 2026, crowded around DST changes and local midnights of the zone. */
const instantArb = (zone: string) =>
  fc.oneof(
    fc.integer({ min: YEAR_START, max: YEAR_END - 1 }),
    ...(TRANSITIONS[zone].length > 0
      ? [
          fc
            .tuple(
              fc.constantFrom(...TRANSITIONS[zone]),
              fc.integer({ min: -3 * HOUR_MS, max: 3 * HOUR_MS }),
            )
            .map(([t, delta]) => t + delta),
          fc
            .tuple(
              fc.constantFrom(...TRANSITIONS[zone]),
              fc.integer({ min: -2000, max: 2000 }),
            )
            .map(([t, delta]) => t + delta),
        ]
      : []),
    fc
      .tuple(
        fc.integer({ min: 1, max: 365 }),
        fc.integer({ min: -2 * 60_000, max: 2 * 60_000 }),
      )
      .map(
        ([ordinal, delta]) =>
          DateTime.fromObject({ year: 2026, ordinal }, { zone }).toMillis() +
          delta,
      ),
  );

const scenarioArb = calendarArb.chain(calendar =>
  fc.record({
    calendar: fc.constant(calendar),
    now: instantArb(calendar.timezone),
    samples: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), {
      minLength: 4,
      maxLength: 4,
    }),
  }),
);

const prodCalendar = exampleCalendars().get('prod-calendar')!;
const exampleScenarioArb = fc.record({
  calendar: fc.constant(prodCalendar),
  now: instantArb(prodCalendar.timezone),
  samples: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), {
    minLength: 4,
    maxLength: 4,
  }),
});

describe('evaluateCalendar properties', () => {
  it('knows the real 2026 offset changes of the zones under test', () => {
    for (const [zone, transitions] of Object.entries(TRANSITIONS)) {
      for (const t of transitions) {
        expect(wallClock(zone, t - 1).offsetMs).not.toBe(
          wallClock(zone, t).offsetMs,
        );
      }
    }
  });

  const cases = [
    ['random calendars', scenarioArb, 400],
    ['the example calendar', exampleScenarioArb, 200],
  ] as const;

  it.each(cases)(
    'for %s: closed exactly when a rule or blackout contains the local time',
    (_case, arb, numRuns) => {
      fc.assert(
        fc.property(arb, ({ calendar, now }) => {
          const decision = evaluateCalendar(calendar, new Date(now));
          expect(decision.allowed).toBe(oracleAllows(calendar, now));
          // Open now exactly when the next open instant is now.
          const next = nextAllowedAt(calendar, new Date(now)).getTime();
          expect(next === now).toBe(decision.allowed);
        }),
        { numRuns },
      );
    },
  );

  it.each(cases)(
    'for %s: until is after now, open, and nothing before it is',
    (_case, arb, numRuns) => {
      const closed = arb.filter(
        ({ calendar, now }) => !oracleAllows(calendar, now),
      );
      fc.assert(
        fc.property(closed, ({ calendar, now, samples }) => {
          const decision = evaluateCalendar(calendar, new Date(now)) as Extract<
            CalendarDecision,
            { allowed: false }
          >;
          expect(decision.allowed).toBe(false);
          expect(coveringRules(calendar, now)).toContain(decision.rule);
          const until = decision.until.getTime();
          expect(until).toBeGreaterThan(now);
          expect(oracleAllows(calendar, until)).toBe(true);
          // The instant just before until, and a few between now and it, are all closed.
          const before = [
            until - 1,
            ...samples.map(f => now + Math.floor(f * (until - 1 - now))),
          ];
          expect(before.filter(t => oracleAllows(calendar, t))).toEqual([]);
        }),
        { numRuns },
      );
    },
  );

  // Luxon's default zone stands in for the process zone: Jest sandboxes process.env.TZ.
  it('gives the same answer whatever the default zone', () => {
    const savedZone = Settings.defaultZone;
    try {
      fc.assert(
        fc.property(
          scenarioArb,
          fc.constantFrom(...ZONES, 'Pacific/Kiritimati'),
          ({ calendar, now }, zone) => {
            Settings.defaultZone = savedZone;
            const expected = evaluateCalendar(calendar, new Date(now));
            Settings.defaultZone = zone;
            expect(DateTime.local().zoneName).toBe(zone);
            expect(evaluateCalendar(calendar, new Date(now))).toEqual(expected);
          },
        ),
        { numRuns: 100 },
      );
    } finally {
      Settings.defaultZone = savedZone;
    }
  });
});
