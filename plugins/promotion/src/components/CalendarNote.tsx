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

/** The lane's freeze calendar: frozen until when, and the next freeze. */
export const CalendarNote = ({
  calendar,
  viewerZone,
}: {
  calendar: LaneCalendar;
  /** Overrides the browser's zone (tests). */
  viewerZone?: string;
}) => {
  const at = (iso: string) => formatInZones(iso, calendar.timezone, viewerZone);
  return (
    <Box data-testid="lane-calendar">
      {calendar.frozen && (
        <Typography variant="body2" color="error" role="status">
          Frozen by calendar {calendar.name}: {calendar.frozen.reason}. Opens{' '}
          {at(calendar.frozen.until)}
        </Typography>
      )}
      {calendar.nextFreeze ? (
        <Typography variant="body2" color="textSecondary">
          Next freeze: {at(calendar.nextFreeze.start)} until{' '}
          {at(calendar.nextFreeze.end)} ({calendar.nextFreeze.reason})
        </Typography>
      ) : (
        <Typography variant="body2" color="textSecondary">
          No freeze ahead in calendar {calendar.name}
        </Typography>
      )}
    </Box>
  );
};
