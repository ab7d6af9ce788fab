import { Calendar } from './calendar';
import { evaluateCalendar, nextAllowedAt } from './evaluateCalendar';
import { exampleCalendars, local } from './testCalendars';

const calendars = exampleCalendars();
const calendar = (name: string) => calendars.get(name)!;
const berlin = (text: string) => local(text, 'Europe/Berlin');
const newYork = (text: string) => local(text, 'America/New_York');
const utc = (text: string) => new Date(text);

type Case = [string, string, Date, string | undefined, Date | undefined];

// [case, calendar, now, freezing rule (undefined when open), until]
// prettier-ignore
const CASES: Case[] = [
  ['Friday 11:59 is open', 'prod-calendar', berlin('2026-03-06T11:59'), undefined, undefined],
  ['Friday 11:59:59.999 is open', 'prod-calendar', berlin('2026-03-06T11:59:59.999'), undefined, undefined],
  ['Friday 12:00 is frozen until Saturday', 'prod-calendar', berlin('2026-03-06T12:00'), 'friday-afternoon', berlin('2026-03-07T00:00')],
  ['a 24:00 rule still holds at 23:59:59.999', 'prod-calendar', berlin('2026-03-06T23:59:59.999'), 'friday-afternoon', berlin('2026-03-07T00:00')],
  ['a 24:00 rule has ended at Saturday 00:00', 'prod-calendar', berlin('2026-03-07T00:00'), undefined, undefined],
  ['Monday 08:59 is open', 'prod-calendar', berlin('2026-03-09T08:59'), undefined, undefined],
  ['the handoff hour starts Monday 09:00', 'prod-calendar', berlin('2026-03-09T09:00'), 'on-call-handoff', berlin('2026-03-09T10:00')],
  ['the handoff hour holds at 09:59', 'prod-calendar', berlin('2026-03-09T09:59'), 'on-call-handoff', berlin('2026-03-09T10:00')],
  ['the handoff hour ends at 10:00', 'prod-calendar', berlin('2026-03-09T10:00'), undefined, undefined],
  ['the handoff hour applies on Fridays', 'prod-calendar', berlin('2026-03-06T09:30'), 'on-call-handoff', berlin('2026-03-06T10:00')],
  ['no handoff hour on Saturday', 'prod-calendar', berlin('2026-03-07T09:30'), undefined, undefined],
  ['a blackout wins over the deny rule it covers', 'prod-calendar', berlin('2026-11-27T13:00'), 'black-friday', berlin('2026-12-01T00:00')],
  ['a blackout starts at its local start', 'prod-calendar', berlin('2026-11-27T00:00'), 'black-friday', berlin('2026-12-01T00:00')],
  ['a blackout ends at its local end', 'prod-calendar', berlin('2026-12-01T00:00'), undefined, undefined],
  ['a blackout ending inside the Friday rule runs on to its end', 'prod-calendar', berlin('2026-12-16T12:00'), 'release-freeze', berlin('2026-12-19T00:00')],
  ['a blackout ending inside the handoff hour runs on to 10:00', 'prod-calendar', berlin('2026-06-14T12:00'), 'maintenance', berlin('2026-06-15T10:00')],
  ['a rule across spring-forward is 1.5 real hours', 'prod-calendar', utc('2026-03-29T00:30Z'), 'sunday-maintenance', utc('2026-03-29T02:00Z')],
  ['a rule across fall-back is 3.5 real hours', 'prod-calendar', utc('2026-10-24T23:30Z'), 'sunday-maintenance', utc('2026-10-25T03:00Z')],
  ['a rule ending in the skipped hour ends at the jump, chaining into the next rule', 'dst-edges', utc('2026-03-29T00:45Z'), 'night', utc('2026-03-29T01:30Z')],
  ['the first 02:50 of fall-back is frozen until 02:30 of the repeated hour', 'dst-edges', utc('2026-10-25T00:50Z'), 'late-night', utc('2026-10-25T01:30Z')],
  ['the first 02:35 of fall-back is open', 'dst-edges', utc('2026-10-25T00:35Z'), undefined, undefined],
  ['the repeated 02:10 of fall-back is frozen again', 'dst-edges', utc('2026-10-25T01:10Z'), 'night', utc('2026-10-25T01:30Z')],
  ['the repeated 02:35 of fall-back is open', 'dst-edges', utc('2026-10-25T01:35Z'), undefined, undefined],
  ['clocks jumping back out of a rule open the window', 'fall-back', utc('2026-10-25T00:50Z'), 'late-night', utc('2026-10-25T01:00Z')],
  ['the repeated hour reaches the rule again', 'fall-back', utc('2026-10-25T01:50Z'), 'late-night', utc('2026-10-25T02:30Z')],
  ['a rule ending at a skipped midnight ends at the jump', 'santiago', local('2026-09-05T23:00', 'America/Santiago'), 'saturday-night', utc('2026-09-06T04:00Z')],
  ['a weekend freeze chains across midnights and spring-forward', 'new-york', newYork('2026-03-06T17:00'), 'after-hours', utc('2026-03-09T13:00Z')],
  ['a weekend freeze chains across midnights and fall-back', 'new-york', newYork('2026-10-31T12:00'), 'weekend', utc('2026-11-02T14:00Z')],
  ['New York Friday 15:59 is open', 'new-york', newYork('2026-03-06T15:59'), undefined, undefined],
  ['New York Monday 09:00 is open', 'new-york', newYork('2026-03-09T09:00'), undefined, undefined],
];

describe('evaluateCalendar', () => {
  it.each(CASES)('%s', (_case, name, now, rule, until) => {
    const decision = evaluateCalendar(calendar(name), now);
    const seen = decision.allowed
      ? 'open'
      : { rule: decision.rule, until: decision.until.toISOString() };
    const expected =
      rule === undefined ? 'open' : { rule, until: until!.toISOString() };
    expect(seen).toEqual(expected);
  });

  it('reports the rule reason', () => {
    expect(
      evaluateCalendar(calendar('prod-calendar'), berlin('2026-11-28T10:00')),
    ).toEqual({
      allowed: false,
      rule: 'black-friday',
      reason: 'Black Friday weekend',
      until: berlin('2026-12-01T00:00'),
    });
  });

  it('throws for an invalid date rather than answering', () => {
    expect(() =>
      evaluateCalendar(calendar('prod-calendar'), new Date(NaN)),
    ).toThrow('invalid date');
  });
});

describe('nextAllowedAt', () => {
  it('is now when the window is open', () => {
    const now = berlin('2026-03-06T11:00:00.123');
    expect(nextAllowedAt(calendar('prod-calendar'), now)).toEqual(now);
  });

  it('throws rather than loop for a calendar that never opens', () => {
    const closed: Calendar = {
      name: 'closed',
      timezone: 'UTC',
      deny: [
        {
          name: 'always',
          days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
          fromMinute: 0,
          toMinute: 1440,
          reason: 'never',
        },
      ],
      blackouts: [],
    };
    expect(() => nextAllowedAt(closed, utc('2026-05-01T00:00Z'))).toThrow(
      "calendar 'closed' has no open window",
    );
  });

  it('finds a window right after a long blackout', () => {
    const year: Calendar = {
      name: 'year',
      timezone: 'Asia/Kolkata',
      deny: [],
      blackouts: [
        {
          name: 'long',
          start: utc('2026-01-01T00:00Z'),
          end: utc('2027-01-01T00:00Z'),
          reason: 'a year',
        },
      ],
    };
    expect(nextAllowedAt(year, utc('2026-02-01T00:00Z'))).toEqual(
      utc('2027-01-01T00:00Z'),
    );
  });
});
