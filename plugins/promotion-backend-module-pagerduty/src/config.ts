import { Config, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';

/** Where the PagerDuty pager's settings live in app-config. */
export const PAGERDUTY_CONFIG_KEY = 'promotion.pagers.pagerduty';

/** PagerDuty's public Events API v2 endpoint. */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/** Length of an Events API v2 integration (routing) key. */
export const ROUTING_KEY_LENGTH = 32;

const DEFAULT_TIMEOUT_MS = 10_000;

/** Settings of the PagerDuty pager, read once at start-up. */
export interface PagerDutyPagerSettings {
  /** Integration key of an Events API v2 integration. Secret. */
  routingKey: string;
  /** The full enqueue endpoint URL. */
  url: string;
  timeoutMs: number;
}

function readRoutingKey(config: Config): string {
  const label = `${PAGERDUTY_CONFIG_KEY}.routingKey`;
  const value = config.getOptionalString('routingKey')?.trim();
  if (!value) {
    throw new Error(
      `${label} is required: the integration key of an Events API v2 integration (e.g. \${PAGERDUTY_ROUTING_KEY})`,
    );
  }
  // The value is secret: say what is wrong without echoing it.
  if (value.length !== ROUTING_KEY_LENGTH || /\s/.test(value)) {
    throw new Error(
      `${label} must be a ${ROUTING_KEY_LENGTH}-character integration key without spaces (got ${value.length} characters)`,
    );
  }
  return value;
}

function readUrl(config: Config): string {
  const label = `${PAGERDUTY_CONFIG_KEY}.url`;
  const value = config.getOptionalString('url')?.trim() || PAGERDUTY_EVENTS_URL;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new Error(`${label} is not a valid URL: ${value}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`${label} must be an http or https URL`);
  }
  return value;
}

function readTimeoutMs(config: Config): number {
  if (!config.has('timeout')) {
    return DEFAULT_TIMEOUT_MS;
  }
  const label = `${PAGERDUTY_CONFIG_KEY}.timeout`;
  let ms: number;
  try {
    ms = durationToMilliseconds(
      readDurationFromConfig(config, { key: 'timeout' }),
    );
  } catch (error) {
    throw new Error(`${label} is not a valid duration: ${String(error)}`);
  }
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new Error(`${label} must be longer than zero`);
  }
  return ms;
}

/** Reads `promotion.pagers.pagerduty`; throws an error naming the key when it is missing or wrong. */
export function readPagerDutyPagerSettings(
  rootConfig: Config,
): PagerDutyPagerSettings {
  const config = rootConfig.getOptionalConfig(PAGERDUTY_CONFIG_KEY);
  if (!config) {
    throw new Error(
      `${PAGERDUTY_CONFIG_KEY}.routingKey is required by the PagerDuty pager module`,
    );
  }
  return {
    routingKey: readRoutingKey(config),
    url: readUrl(config),
    timeoutMs: readTimeoutMs(config),
  };
}
