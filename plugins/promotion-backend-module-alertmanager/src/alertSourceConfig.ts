import type { Config } from '@backstage/config';
import { readDurationMs, readUrl } from './config';

/** Where the Alertmanager alert source's settings live in app-config. */
export const ALERT_SOURCE_CONFIG_KEY = 'promotion.alertSources.alertmanager';

// The incident gate reads on every look at a stopped lane; a slow source must
// fail the look (closed) within the gate's own timeout (10 s by default).
const DEFAULT_SOURCE_TIMEOUT_MS = 5_000;

/** Settings of the Alertmanager alert source, read once at start-up. */
export interface AlertmanagerSourceSettings {
  /** Base URL of Alertmanager; `/api/v2/alerts` is appended. */
  url: string;
  timeoutMs: number;
}

/** Reads `promotion.alertSources.alertmanager`; throws an error naming the key. */
export function readAlertmanagerSourceSettings(
  rootConfig: Config,
): AlertmanagerSourceSettings {
  const config = rootConfig.getConfig(ALERT_SOURCE_CONFIG_KEY);
  return {
    url: readUrl(config, ALERT_SOURCE_CONFIG_KEY),
    timeoutMs: readDurationMs(
      config,
      'timeout',
      DEFAULT_SOURCE_TIMEOUT_MS,
      ALERT_SOURCE_CONFIG_KEY,
    ),
  };
}
