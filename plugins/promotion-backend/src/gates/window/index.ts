export type {
  Blackout,
  Calendar,
  Calendars,
  DenyRule,
  Weekday,
} from './calendar';
export { WEEKDAYS } from './calendar';
export { CalendarConfigError, readCalendars } from './readCalendars';
export type { CalendarDecision } from './evaluateCalendar';
export { evaluateCalendar, nextAllowedAt } from './evaluateCalendar';
export type { CalendarOutlook, FreezePeriod } from './nextFreeze';
export { calendarOutlook } from './nextFreeze';
export type { Freeze, WindowGateOptions } from './windowGate';
export {
  createWindowGate,
  formatUntil,
  resolveWindowCalendar,
  WINDOW_GATE_NAME,
} from './windowGate';
