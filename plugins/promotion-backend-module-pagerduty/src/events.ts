import type {
  Page,
  PageSeverity,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import { entityName } from './entityName';
import { ROUTING_KEY_LENGTH } from './config';

/** Severities the Events API v2 accepts. */
export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

const PAGERDUTY_SEVERITIES: readonly string[] = [
  'critical',
  'error',
  'warning',
  'info',
];

// Our severities are a subset of PagerDuty's; `error` is never sent.
const SEVERITY: Record<PageSeverity, PagerDutySeverity> = {
  critical: 'critical',
  warning: 'warning',
  info: 'info',
};

/** Limits from the Events API v2 documentation. */
export const EVENTS_V2_LIMITS = {
  summary: 1024,
  dedupKey: 255,
  bytes: 512 * 1024,
} as const;

/** A `trigger` or `resolve` alert event in the Events API v2 format. */
export interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'resolve';
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: PagerDutySeverity;
    timestamp: string;
    component: string;
    group: string;
    class: string;
    custom_details: Record<string, unknown>;
  };
  links?: Array<{ href: string; text: string }>;
}

// Cut whole code points (never half a surrogate pair) so that the result is
// at most `max` UTF-16 units, the strictest reading of PagerDuty's limit.
function truncate(text: string, max: number): string {
  if (text.length <= max) {
    return text;
  }
  let kept = '';
  for (const char of text) {
    if (kept.length + char.length > max - 1) {
      break;
    }
    kept += char;
  }
  return `${kept}…`;
}

/** The trigger event for a page; validate it with `checkEvent` before sending. */
export function triggerEvent(
  routingKey: string,
  page: Page,
  now: Date,
): PagerDutyEvent {
  const event: PagerDutyEvent = {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: page.dedupKey,
    payload: {
      summary: truncate(page.summary ?? '', EVENTS_V2_LIMITS.summary),
      source:
        page.entityRef && page.environment
          ? `${page.entityRef}/${page.environment}`
          : '',
      // An unknown severity stays unmapped so that `checkEvent` names it.
      severity: SEVERITY[page.severity] ?? page.severity,
      timestamp: now.toISOString(),
      component: entityName(page.entityRef ?? ''),
      group: page.environment,
      class: 'promotion',
      custom_details: {
        ...page.details,
        ...(page.digest ? { digest: page.digest } : {}),
      },
    },
  };
  if (page.link) {
    event.links = [{ href: page.link, text: 'Pipeline' }];
  }
  return event;
}

/** The resolve event for a dedup key. */
export function resolveEvent(
  routingKey: string,
  dedupKey: string,
): PagerDutyEvent {
  return {
    routing_key: routingKey,
    event_action: 'resolve',
    dedup_key: dedupKey,
  };
}

/**
 * Checks an event against the Events API v2 rules and returns its JSON body;
 * throws naming every violation, so nothing PagerDuty would refuse is sent.
 */
export function checkEvent(event: PagerDutyEvent): string {
  const problems: string[] = [];
  if (event.routing_key.length !== ROUTING_KEY_LENGTH) {
    problems.push(`routing_key must be ${ROUTING_KEY_LENGTH} characters`);
  }
  if (typeof event.dedup_key !== 'string' || !event.dedup_key.trim()) {
    problems.push('dedup_key must not be empty');
  } else if (event.dedup_key.length > EVENTS_V2_LIMITS.dedupKey) {
    problems.push(
      `dedup_key must be at most ${EVENTS_V2_LIMITS.dedupKey} characters (got ${event.dedup_key.length})`,
    );
  }
  const payload = event.payload;
  if (event.event_action === 'trigger') {
    if (!payload?.summary.trim()) {
      problems.push('payload.summary must not be empty');
    }
    if (!payload?.source.trim()) {
      problems.push(
        'payload.source must not be empty (the page needs entityRef and environment)',
      );
    }
    if (!PAGERDUTY_SEVERITIES.includes(payload?.severity as string)) {
      problems.push(
        `payload.severity must be one of ${PAGERDUTY_SEVERITIES.join(
          ', ',
        )} (got ${JSON.stringify(payload?.severity)})`,
      );
    }
  }
  let body = '';
  try {
    body = JSON.stringify(event);
  } catch (error) {
    problems.push(`payload.custom_details is not JSON: ${String(error)}`);
  }
  if (Buffer.byteLength(body) > EVENTS_V2_LIMITS.bytes) {
    problems.push(
      `the event is ${Buffer.byteLength(
        body,
      )} bytes; PagerDuty accepts at most ${EVENTS_V2_LIMITS.bytes}`,
    );
  }
  if (problems.length > 0) {
    throw new Error(
      `Refusing to send an invalid PagerDuty ${
        event.event_action
      } event for dedup key ${JSON.stringify(event.dedup_key)}: ${problems.join(
        '; ',
      )}`,
    );
  }
  return body;
}
