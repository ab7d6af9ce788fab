import type { WindowEvidence } from '@promotion-pipeline/backstage-plugin-promotion-common';
import type {
  GateContext,
  TypedGate,
  TypedGateEvaluation,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import { DateTime } from 'luxon';
import type { Calendar, Calendars } from './calendar';
import { evaluateCalendar } from './evaluateCalendar';

/** A stop-the-line freeze an admin put on an environment. */
export interface Freeze {
  id: string;
  /** The frozen service, or null when every service is frozen. */
  entityRef: string | null;
  environment: string;
  reason: string;
  createdBy: string;
  createdAt: Date;
}

/** What the window gate needs. */
export interface WindowGateOptions {
  calendars: Calendars;
  /** Stop-the-line freezes in force for a service in an environment (including those for every service). */
  listActiveFreezes: (
    entityRef: string,
    environment: string,
  ) => Promise<Freeze[]>;
}

/** The name pipelines use to require the window gate. */
export const WINDOW_GATE_NAME = 'window';

/**
 * The calendar named by the gate's `calendar` option. Throws when the option
 * is missing or names no calendar; call it at start-up to fail early.
 */
export function resolveWindowCalendar(
  options: Record<string, unknown> | undefined,
  calendars: Calendars,
): Calendar {
  const name = options?.calendar;
  if (typeof name !== 'string' || name === '') {
    throw new Error(
      `option 'calendar' is required: name a calendar under promotion.calendars`,
    );
  }
  const calendar = calendars.get(name);
  if (!calendar) {
    const known = [...calendars.keys()].join(', ') || 'none';
    throw new Error(`unknown calendar '${name}' (known: ${known})`);
  }
  return calendar;
}

/** `until` as people in the calendar's zone read it, e.g. `Mon 30 Nov 00:00 Europe/Berlin`. */
export function formatUntil(until: Date, timezone: string): string {
  const local = DateTime.fromJSDate(until, { zone: timezone }).setLocale('en');
  return `${local.toFormat('ccc d LLL HH:mm')} ${timezone}`;
}

// The check could not run: blocks like `failed`, marked so the record can tell it apart.
function errored(
  reason: string,
  error?: unknown,
): TypedGateEvaluation<WindowEvidence> {
  const message =
    error === undefined ? reason : `${reason}: ${describe(error)}`;
  return { verdict: 'failed', reason: message, evidence: { errored: true } };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function stopTheLine(freezes: Freeze[]): TypedGateEvaluation<WindowEvidence> {
  const [freeze] = [...freezes].sort(
    (a, b) => new Date(a.createdAt).getTime() - new Date(b.createdAt).getTime(),
  );
  return {
    verdict: 'pending',
    reason: `stop the line: ${freeze.reason} (by ${freeze.createdBy})`,
    // Lifting the freeze wakes the lane.
    nextCheckAt: 'event',
    evidence: {
      freezeId: freeze.id,
      freezeIds: freezes.map(f => f.id),
      entityRef: freeze.entityRef,
      environment: freeze.environment,
      createdBy: freeze.createdBy,
      createdAt: new Date(freeze.createdAt).toISOString(),
    },
  };
}

async function evaluateWindow(
  options: WindowGateOptions,
  context: GateContext,
): Promise<TypedGateEvaluation<WindowEvidence>> {
  let calendar: Calendar;
  try {
    calendar = resolveWindowCalendar(context.options, options.calendars);
  } catch (error) {
    return errored('bad window gate options', error);
  }
  let freezes: Freeze[];
  try {
    freezes = await options.listActiveFreezes(
      context.entityRef,
      context.toEnvironment,
    );
  } catch (error) {
    return errored('could not list stop-the-line freezes', error);
  }
  if (!Array.isArray(freezes)) {
    return errored(
      'stop-the-line freezes came back as something other than a list',
    );
  }
  if (freezes.length > 0) {
    return stopTheLine(freezes);
  }
  const decision = evaluateCalendar(calendar, context.now);
  if (decision.allowed) {
    return {
      verdict: 'passed',
      reason: 'window open',
      evidence: { calendar: calendar.name, timezone: calendar.timezone },
    };
  }
  return {
    verdict: 'pending',
    reason: `freeze: ${decision.reason} until ${formatUntil(
      decision.until,
      calendar.timezone,
    )}`,
    nextCheckAt: decision.until,
    evidence: {
      calendar: calendar.name,
      rule: decision.rule,
      until: decision.until.toISOString(),
      timezone: calendar.timezone,
    },
  };
}

/**
 * The window gate: `pending` while the environment's freeze calendar is closed
 * or a stop-the-line freeze is in force, `passed` otherwise. Rollbacks pass.
 */
export function createWindowGate(
  options: WindowGateOptions,
): TypedGate<WindowEvidence> {
  return {
    name: WINDOW_GATE_NAME,
    async evaluate(context) {
      if (context.trigger === 'rollback') {
        return { verdict: 'passed', reason: 'rollbacks ignore windows' };
      }
      try {
        return await evaluateWindow(options, context);
      } catch (error) {
        return errored('window gate could not run', error);
      }
    },
  };
}
