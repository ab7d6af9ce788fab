import { Config, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';

/** Where the Alertmanager pager's settings live in app-config. */
export const ALERTMANAGER_CONFIG_KEY = 'promotion.pagers.alertmanager';

/** Default time one request to Alertmanager may take. */
export const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_AUTO_RESOLVE_AFTER_MS = 24 * 60 * 60 * 1000;

// Alertmanager rejects alerts whose label names do not match this.
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Labels the pager sets itself; static labels may not replace them. */
export const RESERVED_LABELS: readonly string[] = ['alertname', 'dedup_key'];

/** Settings of the Alertmanager pager, read once at start-up. */
export interface AlertmanagerPagerSettings {
  /** Base URL of Alertmanager; `/api/v2/alerts` is appended. */
  url: string;
  timeoutMs: number;
  /** How long a triggered alert stays firing when nobody resolves it. */
  autoResolveAfterMs: number;
  /** Static labels added to every alert (team, cluster …) for routing. */
  labels: Record<string, string>;
}

/** Reads a positive duration under `base`; throws naming the key. */
export function readDurationMs(
  config: Config,
  key: string,
  fallbackMs: number,
  base: string = ALERTMANAGER_CONFIG_KEY,
): number {
  if (!config.has(key)) {
    return fallbackMs;
  }
  const label = `${base}.${key}`;
  let ms: number;
  try {
    ms = durationToMilliseconds(readDurationFromConfig(config, { key }));
  } catch (error) {
    throw new Error(`${label} is not a valid duration: ${String(error)}`);
  }
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new Error(`${label} must be longer than zero`);
  }
  return ms;
}

/** Reads the http(s) base URL of Alertmanager under `base`; throws naming the key. */
export function readUrl(
  config: Config,
  base: string = ALERTMANAGER_CONFIG_KEY,
): string {
  const label = `${base}.url`;
  const value = config.getOptionalString('url')?.trim();
  if (!value) {
    throw new Error(
      `${label} is required: the base URL of Alertmanager, e.g. http://alertmanager:9093`,
    );
  }
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

function readLabels(config: Config): Record<string, string> {
  const labelsConfig = config.getOptionalConfig('labels');
  const labels: Record<string, string> = {};
  for (const name of labelsConfig?.keys() ?? []) {
    const key = `${ALERTMANAGER_CONFIG_KEY}.labels.${name}`;
    if (!LABEL_NAME.test(name)) {
      throw new Error(
        `${key} is not a valid Alertmanager label name (letters, digits and _, not starting with a digit)`,
      );
    }
    if (RESERVED_LABELS.includes(name)) {
      throw new Error(
        `${key} is set by the pager itself and cannot be configured`,
      );
    }
    // Backstage config already refuses empty strings, naming the key.
    labels[name] = labelsConfig!.getString(name);
  }
  return labels;
}

/** Reads `promotion.pagers.alertmanager`; throws an error naming the key when it is missing or wrong. */
export function readAlertmanagerPagerSettings(
  rootConfig: Config,
): AlertmanagerPagerSettings {
  const config = rootConfig.getOptionalConfig(ALERTMANAGER_CONFIG_KEY);
  if (!config) {
    throw new Error(
      `${ALERTMANAGER_CONFIG_KEY}.url is required by the Alertmanager pager module`,
    );
  }
  return {
    url: readUrl(config),
    timeoutMs: readDurationMs(config, 'timeout', DEFAULT_TIMEOUT_MS),
    autoResolveAfterMs: readDurationMs(
      config,
      'autoResolveAfter',
      DEFAULT_AUTO_RESOLVE_AFTER_MS,
    ),
    labels: readLabels(config),
  };
}
