import type { Calendar } from './calendar';
import { blockingRule, nextAllowedAt } from './evaluateCalendar';
import {
  addDays,
  instantsAtLocalTime,
  localDateAt,
  offsetChanges,
} from './localTime';

/** One freeze of a calendar: which rule, why, and when it starts and ends. */
export interface FreezePeriod {
  rule: string;
  reason: string;
  start: Date;
  /** First open instant after it; chained rules and blackouts run on. */
  end: Date;
}

/** What a calendar says about now and what comes next, for people. */
export interface CalendarOutlook {
  /** The freeze in force now, if any, and the first open instant after it. */
  current?: { rule: string; reason: string; until: Date };
  /** The next freeze after now (after the current one, if frozen); none when nothing recurs or is planned. */
  next?: FreezePeriod;
}

const DAY_MS = 24 * 60 * 60_000;
// Every weekday recurs within a week; one more day covers a rule starting later today.
const LOOKAHEAD_DAYS = 8;

/**
 * Instants after `afterMs` at which a freeze can begin: blackout starts,
 * deny-rule starts on each local day of the next week, and clock jumps (a
 * rule whose start the clocks skip begins at the jump).
 */
function freezeStarts(calendar: Calendar, afterMs: number): number[] {
  const starts = calendar.blackouts.map(b => b.start.getTime());
  const today = localDateAt(calendar.timezone, afterMs);
  for (let day = 0; day <= LOOKAHEAD_DAYS; day++) {
    const date = addDays(today, day);
    for (const rule of calendar.deny) {
      starts.push(
        ...instantsAtLocalTime(calendar.timezone, date, rule.fromMinute),
      );
    }
  }
  starts.push(
    ...offsetChanges(
      calendar.timezone,
      afterMs,
      afterMs + (LOOKAHEAD_DAYS + 1) * DAY_MS,
    ),
  );
  return [...new Set(starts)].filter(t => t > afterMs).sort((a, b) => a - b);
}

function periodFrom(calendar: Calendar, startMs: number): FreezePeriod {
  const rule = blockingRule(calendar, startMs)!;
  return {
    rule: rule.name,
    reason: rule.reason,
    start: new Date(startMs),
    end: nextAllowedAt(calendar, new Date(startMs)),
  };
}

/**
 * The freeze in force at `now` (if any) and the next one after it, from the
 * calendar alone (stop-the-line freezes are not calendar entries). Pure: the
 * same calendar and instant always give the same outlook.
 */
export function calendarOutlook(
  calendar: Calendar,
  now: Date,
): CalendarOutlook {
  const nowMs = now.getTime();
  if (Number.isNaN(nowMs)) {
    throw new Error('cannot read a calendar at an invalid date');
  }
  let from = nowMs;
  let current: CalendarOutlook['current'];
  const rule = blockingRule(calendar, nowMs);
  if (rule) {
    current = {
      rule: rule.name,
      reason: rule.reason,
      until: nextAllowedAt(calendar, now),
    };
    from = current.until.getTime();
  }
  const start = freezeStarts(calendar, from).find(
    t => blockingRule(calendar, t) !== undefined,
  );
  return {
    ...(current ? { current } : {}),
    ...(start !== undefined ? { next: periodFrom(calendar, start) } : {}),
  };
}
