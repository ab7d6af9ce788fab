import { DateTime } from 'luxon';
import {
  Blackout,
  Calendar,
  DenyRule,
  MINUTES_PER_DAY,
  WEEKDAYS,
} from './calendar';
import {
  addDays,
  instantsAtLocalTime,
  LocalDate,
  localDateAt,
  offsetChanges,
} from './localTime';

/** Whether a calendar allows promotion at an instant, and if not, why and until when. */
export type CalendarDecision =
  | { allowed: true }
  | { allowed: false; rule: string; reason: string; until: Date };

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
// Validation guarantees an open slot every week; past the blackouts, two weeks is plenty.
const SEARCH_DAYS_PAST_BLACKOUTS = 15;

function activeBlackout(
  calendar: Calendar,
  instantMs: number,
): Blackout | undefined {
  return calendar.blackouts.find(
    b => b.start.getTime() <= instantMs && instantMs < b.end.getTime(),
  );
}

function activeDenyRule(
  calendar: Calendar,
  instantMs: number,
): DenyRule | undefined {
  const local = DateTime.fromMillis(instantMs, { zone: calendar.timezone });
  const weekday = WEEKDAYS[local.weekday - 1];
  const msOfDay =
    local.hour * HOUR_MS +
    local.minute * MINUTE_MS +
    local.second * 1000 +
    local.millisecond;
  return calendar.deny.find(
    rule =>
      rule.days.includes(weekday) &&
      rule.fromMinute * MINUTE_MS <= msOfDay &&
      msOfDay < rule.toMinute * MINUTE_MS,
  );
}

/** The blackout or deny rule that freezes promotion at an instant (blackouts win), if any. */
export function blockingRule(
  calendar: Calendar,
  instantMs: number,
): Blackout | DenyRule | undefined {
  return (
    activeBlackout(calendar, instantMs) ?? activeDenyRule(calendar, instantMs)
  );
}

/**
 * Instants around one local date at which deny-rule coverage can change: the
 * wall clock reaching a rule edge or midnight, and the clocks jumping (DST),
 * which may skip over or repeat a rule edge.
 */
function dayBoundaries(
  calendar: Calendar,
  date: LocalDate,
  edgeMinutes: number[],
): number[] {
  const utcMidnight = DateTime.utc(date.year, date.month, date.day).toMillis();
  // Wide enough to contain the local day in any zone (offsets span -12h..+14h).
  const jumps = offsetChanges(
    calendar.timezone,
    utcMidnight - 14 * HOUR_MS,
    utcMidnight + DAY_MS + 12 * HOUR_MS,
  );
  const edges = edgeMinutes.flatMap(minute =>
    instantsAtLocalTime(calendar.timezone, date, minute),
  );
  return [...edges, ...jumps];
}

/** Rule edges as minutes after midnight; '24:00' is the next day's midnight. */
function ruleEdgeMinutes(calendar: Calendar): number[] {
  const minutes = new Set([0]);
  for (const rule of calendar.deny) {
    minutes.add(rule.fromMinute);
    minutes.add(rule.toMinute % MINUTES_PER_DAY);
  }
  return [...minutes];
}

/**
 * Finds the first boundary after an instant. Coverage only changes at a
 * boundary, and the next local midnight is one, so looking at yesterday, today
 * and tomorrow is enough. Each day's boundaries are computed once.
 */
function boundaryFinder(
  calendar: Calendar,
): (instant: number) => number | undefined {
  const edgeMinutes = ruleEdgeMinutes(calendar);
  const boundariesByDay = new Map<string, number[]>();
  const boundariesOf = (date: LocalDate) => {
    const key = `${date.year}-${date.month}-${date.day}`;
    let boundaries = boundariesByDay.get(key);
    if (!boundaries) {
      boundaries = dayBoundaries(calendar, date, edgeMinutes);
      boundariesByDay.set(key, boundaries);
    }
    return boundaries;
  };
  return (instant: number): number | undefined => {
    const today = localDateAt(calendar.timezone, instant);
    const after = [-1, 0, 1]
      .flatMap(offset => boundariesOf(addDays(today, offset)))
      .filter(boundary => boundary > instant);
    return after.length > 0 ? Math.min(...after) : undefined;
  };
}

/**
 * The first instant at or after `now` at which the calendar allows promotion.
 * Follows chained rules and blackouts (a blackout ending inside a deny rule
 * runs on to that rule's end). Throws when no open instant is found, which
 * callers treat as closed.
 */
export function nextAllowedAt(calendar: Calendar, now: Date): Date {
  const start = now.getTime();
  if (Number.isNaN(start)) {
    throw new Error('cannot evaluate a calendar at an invalid date');
  }
  const lastBlackoutEnd = Math.max(
    start,
    ...calendar.blackouts.map(b => b.end.getTime()),
  );
  const horizon = lastBlackoutEnd + SEARCH_DAYS_PAST_BLACKOUTS * DAY_MS;
  const nextBoundary = boundaryFinder(calendar);

  let cursor = start;
  while (cursor <= horizon) {
    const blackout = activeBlackout(calendar, cursor);
    if (blackout) {
      cursor = blackout.end.getTime();
      continue;
    }
    if (!activeDenyRule(calendar, cursor)) {
      return new Date(cursor);
    }
    const next = nextBoundary(cursor);
    if (next === undefined) {
      break;
    }
    cursor = next;
  }
  throw new Error(
    `calendar '${calendar.name}' has no open window before ${new Date(
      Math.min(cursor, horizon),
    ).toISOString()}`,
  );
}

/** Whether the calendar allows promotion at `now`; if not, the rule that freezes it and when it opens. */
export function evaluateCalendar(
  calendar: Calendar,
  now: Date,
): CalendarDecision {
  const instant = now.getTime();
  if (Number.isNaN(instant)) {
    throw new Error('cannot evaluate a calendar at an invalid date');
  }
  const blocking = blockingRule(calendar, instant);
  if (!blocking) {
    return { allowed: true };
  }
  return {
    allowed: false,
    rule: blocking.name,
    reason: blocking.reason,
    until: nextAllowedAt(calendar, now),
  };
}
