import { Box, Typography } from '@material-ui/core';
import type { LaneCalendar } from '@promotion-pipeline/backstage-plugin-promotion-common';

/** The viewer's own time zone, as the browser reports it. */
export function viewerTimeZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** "Fri 11 Dec 15:00" as a wall clock in `timeZone` shows the instant. */
export function formatWallClock(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const part = (type: string) => parts.find(p => p.type === type)?.value ?? '';
  return `${part('weekday')} ${part('day')} ${part('month')} ${part(
    'hour',
  )}:${part('minute')}`;
}

/**
 * An instant in the calendar's zone, then in the viewer's when it reads
 * differently: "Fri 11 Dec 15:00 Europe/Berlin (14:00 your time)".
 */
export function formatInZones(
  iso: string,
  calendarZone: string,
  viewerZone: string = viewerTimeZone(),
): string {
  const there = formatWallClock(iso, calendarZone);
  const here = formatWallClock(iso, viewerZone);
  if (here === there) return `${there} ${calendarZone}`;
  // Same day: the viewer only needs the time.
  const short =
    here.slice(0, -6) === there.slice(0, -6) ? here.slice(-5) : here;
  return `${there} ${calendarZone} (${short} your time)`;
}

/**
 * A freeze period in the calendar's zone, then the viewer's when it reads
 * differently: "Mon 7 Dec 09:00–10:00 Europe/Berlin (03:00–04:00 your time)".
 */
export function formatPeriodInZones(
  startIso: string,
  endIso: string,
  calendarZone: string,
  viewerZone: string = viewerTimeZone(),
): string {
  const range = (zone: string) => {
    const start = formatWallClock(startIso, zone);
    const end = formatWallClock(endIso, zone);
    // On one day the end needs only its time; 00:00 the next day reads 24:00.
    const sameDay = start.slice(0, -6) === end.slice(0, -6);
    const endsAtMidnight =
      end.endsWith('00:00') &&
      new Date(endIso).getTime() - new Date(startIso).getTime() < 86_400_000 &&
      !sameDay;
    if (sameDay) return `${start}–${end.slice(-5)}`;
    if (endsAtMidnight) return `${start}–24:00`;
    return `${start} – ${end}`;
  };
  const there = range(calendarZone);
  const here = range(viewerZone);
  if (here === there) return `${there} ${calendarZone}`;
  const dateOf = (zone: string) => formatWallClock(startIso, zone).slice(0, -6);
  const viewerDate = dateOf(viewerZone);
  const shown =
    viewerDate === dateOf(calendarZone)
      ? here.slice(viewerDate.length + 1)
      : here;
  return `${there} ${calendarZone} (${shown} your time)`;
}

/** The lane's freeze calendar: frozen until when, and the next freeze. */
export const CalendarNote = ({
  calendar,
  viewerZone,
}: {
  calendar: LaneCalendar;
  /** Overrides the browser's zone (tests). */
  viewerZone?: string;
}) => (
  <Box data-testid="lane-calendar">
    <Typography variant="overline" component="div">
      Freeze calendar {calendar.name}
    </Typography>
    {calendar.frozen && (
      <Typography variant="body2" color="error" role="status">
        Frozen now: {calendar.frozen.reason}. Opens{' '}
        {formatInZones(calendar.frozen.until, calendar.timezone, viewerZone)}
      </Typography>
    )}
    {calendar.nextFreeze ? (
      <Typography variant="body2" color="textSecondary">
        Next freeze: {calendar.nextFreeze.reason},{' '}
        {formatPeriodInZones(
          calendar.nextFreeze.start,
          calendar.nextFreeze.end,
          calendar.timezone,
          viewerZone,
        )}
      </Typography>
    ) : (
      <Typography variant="body2" color="textSecondary">
        No freeze ahead
      </Typography>
    )}
  </Box>
);
