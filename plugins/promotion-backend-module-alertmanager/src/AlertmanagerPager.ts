import type { Config } from '@backstage/config';
import type {
  Page,
  Pager,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import {
  AlertmanagerPagerSettings,
  readAlertmanagerPagerSettings,
} from './config';
import { entityName } from './entityName';
import { postJson } from './http';

/** The `alertname` label of every alert this pager sends. */
export const PROMOTION_ALERT_NAME = 'PromotionPage';

const MAX_ERROR_BODY = 500;

/** One alert as Alertmanager's `POST /api/v2/alerts` takes it. */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
}

function annotationsOf(page: Page): Record<string, string> {
  const annotations: Record<string, string> = {
    summary: page.summary,
    severity: page.severity,
    entity_ref: page.entityRef,
    environment: page.environment,
    service: entityName(page.entityRef),
  };
  if (page.digest) {
    annotations.digest = page.digest;
  }
  if (page.link) {
    annotations.link = page.link;
  }
  if (page.details && Object.keys(page.details).length > 0) {
    annotations.details = JSON.stringify(page.details);
  }
  return annotations;
}

// Alertmanager refuses the whole alert (HTTP 422) over a generatorURL that is
// not a URI; a page must not be lost to a bad link, which stays an annotation.
function isAbsoluteUrl(value: string): boolean {
  try {
    return Boolean(new URL(value));
  } catch {
    return false;
  }
}

function checkDedupKey(dedupKey: string): void {
  if (typeof dedupKey !== 'string' || dedupKey.trim() === '') {
    throw new Error('Alertmanager pager needs a non-empty dedup key');
  }
}

/**
 * Sends pages to Prometheus Alertmanager as alerts. An alert's identity (its
 * labels) is `alertname`, `dedup_key` and the configured static labels, so a
 * dedup key always maps to the same alert, even after a restart; everything
 * else about the page travels in annotations.
 */
export class AlertmanagerPager implements Pager {
  readonly #settings: AlertmanagerPagerSettings;
  readonly #alertsUrl: string;
  readonly #now: () => Date;
  // Pages triggered by this process, so a resolve carries their annotations.
  readonly #firing = new Map<string, PostableAlert>();

  /** Builds the pager from `promotion.pagers.alertmanager`. */
  static fromConfig(config: Config): AlertmanagerPager {
    return new AlertmanagerPager(readAlertmanagerPagerSettings(config));
  }

  constructor(
    settings: AlertmanagerPagerSettings,
    options: { now?: () => Date } = {},
  ) {
    this.#settings = settings;
    const base = settings.url.endsWith('/') ? settings.url : `${settings.url}/`;
    this.#alertsUrl = new URL('api/v2/alerts', base).toString();
    this.#now = options.now ?? (() => new Date());
  }

  /** The labels that identify the alert of a dedup key. */
  labelsFor(dedupKey: string): Record<string, string> {
    return {
      ...this.#settings.labels,
      alertname: PROMOTION_ALERT_NAME,
      dedup_key: dedupKey,
    };
  }

  async trigger(page: Page): Promise<void> {
    checkDedupKey(page.dedupKey);
    if (!page.summary?.trim()) {
      throw new Error(
        `Alertmanager pager needs a summary for page ${page.dedupKey}`,
      );
    }
    const now = this.#now();
    const alert: PostableAlert = {
      labels: this.labelsFor(page.dedupKey),
      annotations: annotationsOf(page),
      startsAt: now.toISOString(),
      // An explicit end keeps the alert firing without re-sends; without it
      // Alertmanager would resolve it after its own resolve_timeout (5 min).
      endsAt: new Date(
        now.getTime() + this.#settings.autoResolveAfterMs,
      ).toISOString(),
    };
    if (page.link && isAbsoluteUrl(page.link)) {
      alert.generatorURL = page.link;
    }
    await this.#post(alert, `trigger page ${page.dedupKey}`);
    this.#forgetExpired(now);
    this.#firing.set(page.dedupKey, alert);
  }

  async resolve(dedupKey: string): Promise<void> {
    checkDedupKey(dedupKey);
    const now = this.#now().toISOString();
    const known = this.#firing.get(dedupKey);
    const alert: PostableAlert = {
      labels: known?.labels ?? this.labelsFor(dedupKey),
      // Alertmanager keeps the newest annotations, so repeat them for a
      // readable resolved notification; after a restart only the key is known.
      annotations: known?.annotations ?? {
        summary: `Promotion page ${dedupKey} resolved`,
      },
      startsAt: known && known.startsAt < now ? known.startsAt : now,
      endsAt: now,
    };
    if (known?.generatorURL) {
      alert.generatorURL = known.generatorURL;
    }
    await this.#post(alert, `resolve page ${dedupKey}`);
    this.#firing.delete(dedupKey);
  }

  async #post(alert: PostableAlert, what: string): Promise<void> {
    const target = `Alertmanager at ${this.#alertsUrl}`;
    const answer = await postJson(
      this.#alertsUrl,
      [alert],
      this.#settings.timeoutMs,
      target,
    );
    if (answer.status < 200 || answer.status >= 300) {
      const body = answer.body.trim().slice(0, MAX_ERROR_BODY);
      throw new Error(
        `${target} refused to ${what}: HTTP ${answer.status} ${
          answer.statusText
        }${body ? `: ${body}` : ''}`,
      );
    }
  }

  #forgetExpired(now: Date): void {
    const iso = now.toISOString();
    for (const [key, alert] of this.#firing) {
      if (alert.endsAt <= iso) {
        this.#firing.delete(key);
      }
    }
  }
}
