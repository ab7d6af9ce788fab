import type { Config } from '@backstage/config';
import { DateTime } from 'luxon';
import {
  Blackout,
  Calendar,
  Calendars,
  DenyRule,
  MINUTES_PER_DAY,
  WEEKDAYS,
  Weekday,
} from './calendar';
import { isValidTimeZone } from './localTime';

/** Thrown for a calendar config that must stop the backend; the message starts with the key. */
export class CalendarConfigError extends Error {
  /** The config key at fault, e.g. `promotion.calendars.prod.timezone`. */
  readonly key: string;

  constructor(key: string, problem: string) {
    super(`${key}: ${problem}`);
    this.name = 'CalendarConfigError';
    this.key = key;
  }
}

const ROOT_KEY = 'promotion.calendars';
const TIME = /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

type RawObject = Record<string, unknown>;

function isObject(value: unknown): value is RawObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Unknown keys are rejected: a misspelt `blackouts` would otherwise drop a freeze silently.
function readObject(value: unknown, key: string, allowed: string[]): RawObject {
  if (!isObject(value)) {
    throw new CalendarConfigError(
      key,
      `must be an object with ${allowed.join(', ')}`,
    );
  }
  for (const field of Object.keys(value)) {
    if (!allowed.includes(field)) {
      throw new CalendarConfigError(
        `${key}.${field}`,
        `unknown key (expected ${allowed.join(', ')})`,
      );
    }
  }
  return value;
}

function readText(value: unknown, key: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new CalendarConfigError(key, 'must be a non-empty string');
  }
  return value;
}

function readList(value: unknown, key: string): unknown[] {
  if (value === undefined) {
    return [];
  }
  if (!Array.isArray(value)) {
    throw new CalendarConfigError(key, 'must be a list');
  }
  return value;
}

function formatMinute(minute: number): string {
  const hh = String(Math.floor(minute / 60)).padStart(2, '0');
  const mm = String(minute % 60).padStart(2, '0');
  return `${hh}:${mm}`;
}

function readMinute(
  value: unknown,
  key: string,
  allowEndOfDay: boolean,
): number {
  if (typeof value !== 'string' || !TIME.test(value)) {
    throw new CalendarConfigError(
      key,
      `${JSON.stringify(value)} must be a local time written HH:mm (00:00 to ${
        allowEndOfDay ? '24:00' : '23:59'
      }); quote it in YAML`,
    );
  }
  const [hours, minutes] = value.split(':').map(Number);
  const minute = hours * 60 + minutes;
  if (minute === MINUTES_PER_DAY && !allowEndOfDay) {
    throw new CalendarConfigError(key, `'24:00' may only end a rule`);
  }
  return minute;
}

function readDays(value: unknown, key: string): Weekday[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new CalendarConfigError(
      key,
      `must be a non-empty list of ${WEEKDAYS.join(', ')}`,
    );
  }
  const days: Weekday[] = [];
  value.forEach((day, i) => {
    if (!WEEKDAYS.includes(day as Weekday)) {
      throw new CalendarConfigError(
        `${key}[${i}]`,
        `${JSON.stringify(day)} is not a day; use ${WEEKDAYS.join(', ')}`,
      );
    }
    if (days.includes(day as Weekday)) {
      throw new CalendarConfigError(`${key}[${i}]`, `'${day}' is listed twice`);
    }
    days.push(day as Weekday);
  });
  return days;
}

function readDenyRule(value: unknown, key: string): DenyRule {
  const raw = readObject(value, key, ['name', 'days', 'from', 'to', 'reason']);
  const fromMinute = readMinute(raw.from, `${key}.from`, false);
  const toMinute = readMinute(raw.to, `${key}.to`, true);
  if (toMinute <= fromMinute) {
    throw new CalendarConfigError(
      `${key}.to`,
      `'${formatMinute(toMinute)}' must be after from '${formatMinute(
        fromMinute,
      )}'; write a rule that crosses midnight as two rules`,
    );
  }
  return {
    name: readText(raw.name, `${key}.name`),
    days: readDays(raw.days, `${key}.days`),
    fromMinute,
    toMinute,
    reason: readText(raw.reason, `${key}.reason`),
  };
}

/**
 * A blackout bound: an ISO instant with offset, or a local date-time in the
 * calendar's zone. A local time the clocks skip is an error; one they repeat
 * means its first occurrence.
 */
function readInstant(value: unknown, key: string, zone: string): Date {
  const text = typeof value === 'string' ? value : '';
  const match = DATE_TIME.exec(text);
  if (!match) {
    throw new CalendarConfigError(
      key,
      `${JSON.stringify(
        value,
      )} must be a local date-time such as 2026-11-27T00:00 or an instant with offset such as 2026-11-27T00:00+01:00`,
    );
  }
  const parsed = DateTime.fromISO(text, { zone });
  if (!parsed.isValid) {
    throw new CalendarConfigError(
      key,
      `'${text}' is not a valid date-time (${parsed.invalidExplanation})`,
    );
  }
  const [, , , , hour, minute, second, offset] = match;
  // A bare date is the start of that local day, wherever luxon says it starts.
  if (offset || hour === undefined) {
    return parsed.toJSDate();
  }
  const exists =
    parsed.hour === Number(hour) &&
    parsed.minute === Number(minute) &&
    parsed.second === Number(second ?? 0);
  if (!exists) {
    throw new CalendarConfigError(
      key,
      `'${text}' does not exist in ${zone}: the clocks skip it (daylight saving time)`,
    );
  }
  const instants = parsed.getPossibleOffsets().map(dt => dt.toMillis());
  return new Date(Math.min(...instants));
}

function readBlackout(value: unknown, key: string, zone: string): Blackout {
  const raw = readObject(value, key, ['name', 'start', 'end', 'reason']);
  const start = readInstant(raw.start, `${key}.start`, zone);
  const end = readInstant(raw.end, `${key}.end`, zone);
  if (end.getTime() <= start.getTime()) {
    throw new CalendarConfigError(
      `${key}.end`,
      `must be after start '${raw.start}'`,
    );
  }
  return {
    name: readText(raw.name, `${key}.name`),
    start,
    end,
    reason: readText(raw.reason, `${key}.reason`),
  };
}

function checkUniqueNames(calendar: Calendar, key: string): void {
  const named = [
    ...calendar.deny.map((rule, i) => ({
      name: rule.name,
      key: `${key}.deny[${i}].name`,
    })),
    ...calendar.blackouts.map((b, i) => ({
      name: b.name,
      key: `${key}.blackouts[${i}].name`,
    })),
  ];
  const seen = new Set<string>();
  for (const { name, key: nameKey } of named) {
    if (seen.has(name)) {
      throw new CalendarConfigError(
        nameKey,
        `duplicate rule name '${name}'; names must be unique within a calendar`,
      );
    }
    seen.add(name);
  }
}

// Rules are half-open ranges, so a rule ending at 10:00 and one starting at 10:00 do not overlap.
function checkNoOverlaps(calendar: Calendar, key: string): void {
  calendar.deny.forEach((rule, j) => {
    for (const earlier of calendar.deny.slice(0, j)) {
      const shared = rule.days.filter(day => earlier.days.includes(day));
      if (
        shared.length > 0 &&
        rule.fromMinute < earlier.toMinute &&
        earlier.fromMinute < rule.toMinute
      ) {
        throw new CalendarConfigError(
          `${key}.deny[${j}]`,
          `'${rule.name}' overlaps deny rule '${earlier.name}' on ${shared.join(
            ', ',
          )} (${formatMinute(earlier.fromMinute)}-${formatMinute(
            earlier.toMinute,
          )})`,
        );
      }
    }
  });
  calendar.blackouts.forEach((blackout, j) => {
    for (const earlier of calendar.blackouts.slice(0, j)) {
      if (blackout.start < earlier.end && earlier.start < blackout.end) {
        throw new CalendarConfigError(
          `${key}.blackouts[${j}]`,
          `'${blackout.name}' overlaps blackout '${
            earlier.name
          }' (${earlier.start.toISOString()} to ${earlier.end.toISOString()})`,
        );
      }
    }
  });
}

// Rules no longer overlap here, so their minutes add up without double counting.
function checkOpensEveryWeek(calendar: Calendar, key: string): void {
  const denied = calendar.deny.reduce(
    (sum, rule) => sum + (rule.toMinute - rule.fromMinute) * rule.days.length,
    0,
  );
  if (denied >= WEEKDAYS.length * MINUTES_PER_DAY) {
    throw new CalendarConfigError(
      `${key}.deny`,
      'denies every minute of the week, so promotion would never be allowed',
    );
  }
}

function readCalendar(name: string, value: unknown, key: string): Calendar {
  const raw = readObject(value, key, ['timezone', 'deny', 'blackouts']);
  const timezone = readText(raw.timezone, `${key}.timezone`);
  if (!isValidTimeZone(timezone)) {
    throw new CalendarConfigError(
      `${key}.timezone`,
      `'${timezone}' is not a valid IANA time zone`,
    );
  }
  const calendar: Calendar = {
    name,
    timezone,
    deny: readList(raw.deny, `${key}.deny`).map((rule, i) =>
      readDenyRule(rule, `${key}.deny[${i}]`),
    ),
    blackouts: readList(raw.blackouts, `${key}.blackouts`).map((b, i) =>
      readBlackout(b, `${key}.blackouts[${i}]`, timezone),
    ),
  };
  checkUniqueNames(calendar, key);
  checkNoOverlaps(calendar, key);
  checkOpensEveryWeek(calendar, key);
  return calendar;
}

/**
 * Reads and validates `promotion.calendars` from the root config. Throws a
 * {@link CalendarConfigError} naming the key for anything invalid.
 */
export function readCalendars(config: Config): Calendars {
  const calendars: Calendars = new Map();
  const raw = config.getOptional<unknown>(ROOT_KEY);
  if (raw === undefined) {
    return calendars;
  }
  if (!isObject(raw)) {
    throw new CalendarConfigError(
      ROOT_KEY,
      'must map calendar names to calendars',
    );
  }
  for (const [name, value] of Object.entries(raw)) {
    calendars.set(name, readCalendar(name, value, `${ROOT_KEY}.${name}`));
  }
  return calendars;
}
