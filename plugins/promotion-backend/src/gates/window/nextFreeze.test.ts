import fc from 'fast-check';
import { blockingRule } from './evaluateCalendar';
import { calendarOutlook } from './nextFreeze';
import { exampleCalendars, local } from './testCalendars';

const calendars = exampleCalendars();
const calendar = (name: string) => calendars.get(name)!;
const berlin = (text: string) => local(text, 'Europe/Berlin');
const iso = (d?: Date) => d?.toISOString();

describe('calendarOutlook', () => {
  // [case, calendar, now, current rule and until, next rule, start and end]
  // prettier-ignore
  const CASES: Array<[string, string, Date, [string, Date] | undefined, [string, Date, Date] | undefined]> = [
    ['Thursday evening: next is the Friday handoff hour', 'prod-calendar', berlin('2026-03-05T18:00'), undefined, ['on-call-handoff', berlin('2026-03-06T09:00'), berlin('2026-03-06T10:00')]],
    ['Friday 10:30: next is Friday afternoon', 'prod-calendar', berlin('2026-03-06T10:30'), undefined, ['friday-afternoon', berlin('2026-03-06T12:00'), berlin('2026-03-07T00:00')]],
    ['frozen on Friday afternoon: next is Sunday maintenance', 'prod-calendar', berlin('2026-03-06T13:00'), ['friday-afternoon', berlin('2026-03-07T00:00')], ['sunday-maintenance', berlin('2026-03-08T01:00'), berlin('2026-03-08T04:00')]],
    ['in the handoff hour: next is the same afternoon', 'prod-calendar', berlin('2026-03-06T09:15'), ['on-call-handoff', berlin('2026-03-06T10:00')], ['friday-afternoon', berlin('2026-03-06T12:00'), berlin('2026-03-07T00:00')]],
    ['a blackout ahead is the next freeze, chained into the Friday rule', 'prod-calendar', berlin('2026-12-13T12:00'), undefined, ['release-freeze', berlin('2026-12-14T00:00'), berlin('2026-12-19T00:00')]],
    ['inside Black Friday: open on Tuesday, next the handoff hour', 'prod-calendar', berlin('2026-11-28T12:00'), ['black-friday', berlin('2026-12-01T00:00')], ['on-call-handoff', berlin('2026-12-01T09:00'), berlin('2026-12-01T10:00')]],
    ['a weekend freeze runs from Friday 16:00 to Monday 09:00', 'new-york', local('2026-03-05T12:00', 'America/New_York'), undefined, ['after-hours', local('2026-03-06T16:00', 'America/New_York'), local('2026-03-09T09:00', 'America/New_York')]],
  ];

  it.each(CASES)('%s', (_, name, now, current, next) => {
    const outlook = calendarOutlook(calendar(name), now);
    expect(outlook.current?.rule).toBe(current?.[0]);
    expect(iso(outlook.current?.until)).toBe(iso(current?.[1]));
    expect(outlook.next?.rule).toBe(next?.[0]);
    expect(iso(outlook.next?.start)).toBe(iso(next?.[1]));
    expect(iso(outlook.next?.end)).toBe(iso(next?.[2]));
  });

  it('has no next freeze when nothing recurs and every blackout is past', () => {
    const onlyBlackouts = {
      ...calendar('prod-calendar'),
      deny: [],
    };
    expect(calendarOutlook(onlyBlackouts, berlin('2027-01-10T12:00'))).toEqual(
      {},
    );
  });

  it('refuses an invalid date', () => {
    expect(() =>
      calendarOutlook(calendar('prod-calendar'), new Date(NaN)),
    ).toThrow(/invalid date/);
  });

  it('never skips a freeze: nothing between now (or the end of the current one) and the next is frozen', () => {
    const STEP_MS = 5 * 60_000;
    const start = Date.parse('2026-01-01T00:00Z');
    const end = Date.parse('2027-01-01T00:00Z');
    fc.assert(
      fc.property(
        fc.constantFrom('prod-calendar', 'new-york', 'dst-edges', 'santiago'),
        fc.integer({ min: start, max: end }),
        (name, nowMs) => {
          const cal = calendar(name);
          const outlook = calendarOutlook(cal, new Date(nowMs));
          expect(Boolean(outlook.current)).toBe(
            blockingRule(cal, nowMs) !== undefined,
          );
          const from = outlook.current?.until.getTime() ?? nowMs;
          expect(blockingRule(cal, from)).toBeUndefined();
          // Every example calendar has a weekly rule, so a next freeze exists.
          const next = outlook.next!;
          expect(next.start.getTime()).toBeGreaterThan(from);
          expect(blockingRule(cal, next.start.getTime())?.name).toBe(next.rule);
          expect(blockingRule(cal, next.end.getTime())).toBeUndefined();
          for (let t = from; t < next.start.getTime(); t += STEP_MS) {
            expect(blockingRule(cal, t)).toBeUndefined();
          }
        },
      ),
      { numRuns: 40, seed: 14 },
    );
  });
});
