import type { LaneCalendar } from '@promotion-pipeline/backstage-plugin-promotion-common';
import type { PipelineConfig } from '../config/pipelines';
import {
  Calendars,
  WINDOW_GATE_NAME,
  calendarOutlook,
  resolveWindowCalendar,
} from '../gates/window';

/**
 * The freeze calendar guarding promotions into `environment` (its window
 * gate's), with the freeze in force and the next one, as of `now`. Undefined
 * when the environment has no window gate. The names were checked at
 * start-up, so a missing calendar here is a bug and throws.
 */
export function laneCalendar(
  pipeline: PipelineConfig,
  environment: string,
  calendars: Calendars,
  now: Date,
): LaneCalendar | undefined {
  const env = pipeline.environments.find(e => e.name === environment);
  const gate = env?.gates.find(g => g.name === WINDOW_GATE_NAME);
  if (!gate) return undefined;
  const calendar = resolveWindowCalendar(gate.options, calendars);
  const { current, next } = calendarOutlook(calendar, now);
  return {
    name: calendar.name,
    timezone: calendar.timezone,
    ...(current
      ? {
          frozen: {
            rule: current.rule,
            reason: current.reason,
            until: current.until.toISOString(),
          },
        }
      : {}),
    ...(next
      ? {
          nextFreeze: {
            rule: next.rule,
            reason: next.reason,
            start: next.start.toISOString(),
            end: next.end.toISOString(),
          },
        }
      : {}),
  };
}
