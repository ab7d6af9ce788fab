import type {
  AlertSource,
  FiringAlert,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import type { AlertmanagerSourceSettings } from './alertSourceConfig';
import { PROMOTION_ALERT_NAME } from './AlertmanagerPager';
import { getJson } from './http';

const MAX_ERROR_BODY = 300;

/** One alert as `GET /api/v2/alerts` lists it (the fields read here). */
interface GettableAlert {
  fingerprint: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt: string;
  generatorURL?: string;
}

function isGettableAlert(value: unknown): value is GettableAlert {
  const alert = value as GettableAlert;
  return (
    typeof alert === 'object' &&
    alert !== null &&
    typeof alert.fingerprint === 'string' &&
    typeof alert.startsAt === 'string' &&
    typeof alert.labels === 'object' &&
    alert.labels !== null
  );
}

/**
 * Reads firing alerts from Alertmanager's API v2:
 * `GET /api/v2/alerts?active=true&silenced=false&inhibited=false&filter=…`.
 * Silenced and inhibited alerts do not count (someone decided they are not
 * an incident), nor do the promotion pager's own pages (the engine already
 * holds what they are about). Throws when Alertmanager cannot be read.
 */
export class AlertmanagerAlertSource implements AlertSource {
  constructor(private readonly settings: AlertmanagerSourceSettings) {}

  async firingAlerts(matchers: string[]): Promise<FiringAlert[]> {
    const url = new URL(
      'api/v2/alerts',
      this.settings.url.endsWith('/')
        ? this.settings.url
        : `${this.settings.url}/`,
    );
    url.searchParams.set('active', 'true');
    url.searchParams.set('silenced', 'false');
    url.searchParams.set('inhibited', 'false');
    for (const matcher of matchers) url.searchParams.append('filter', matcher);
    const answer = await getJson(
      url.toString(),
      this.settings.timeoutMs,
      `Alertmanager at ${this.settings.url}`,
    );
    if (answer.status !== 200) {
      throw new Error(
        `Alertmanager answered ${answer.status} ${
          answer.statusText
        }: ${answer.body.slice(0, MAX_ERROR_BODY)}`,
      );
    }
    let alerts: unknown;
    try {
      alerts = JSON.parse(answer.body);
    } catch {
      throw new Error('Alertmanager answered with something other than JSON');
    }
    if (!Array.isArray(alerts) || !alerts.every(isGettableAlert)) {
      throw new Error('Alertmanager answered with an unreadable alert list');
    }
    return alerts
      .filter(alert => alert.labels.alertname !== PROMOTION_ALERT_NAME)
      .sort((a, b) => a.startsAt.localeCompare(b.startsAt))
      .map(alert => ({
        id: alert.fingerprint,
        name: alert.labels.alertname ?? alert.fingerprint,
        labels: alert.labels,
        startsAt: alert.startsAt,
        ...(alert.annotations?.summary
          ? { summary: alert.annotations.summary }
          : {}),
        ...(alert.generatorURL ? { url: alert.generatorURL } : {}),
      }));
  }
}
