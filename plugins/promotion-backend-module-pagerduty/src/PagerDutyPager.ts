import type { Config } from '@backstage/config';
import type {
  Page,
  Pager,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import { PagerDutyPagerSettings, readPagerDutyPagerSettings } from './config';
import {
  checkEvent,
  PagerDutyEvent,
  resolveEvent,
  triggerEvent,
} from './events';
import { postJson } from './http';

const MAX_ERROR_BODY = 500;

/** The Events API v2 response body. */
interface EventsResponse {
  status?: string;
  message?: string;
  dedup_key?: string;
  errors?: unknown[];
}

function parseResponse(body: string): EventsResponse | undefined {
  try {
    const parsed = JSON.parse(body);
    return parsed && typeof parsed === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function describeAnswer(
  status: number,
  statusText: string,
  body: string,
): string {
  const parsed = parseResponse(body);
  if (!parsed) {
    const text = body.trim().slice(0, MAX_ERROR_BODY);
    return `HTTP ${status} ${statusText}${text ? `: ${text}` : ''}`;
  }
  const errors = Array.isArray(parsed.errors)
    ? ` (${parsed.errors.map(String).join('; ')})`
    : '';
  return `HTTP ${status} ${parsed.status ?? statusText}: ${
    parsed.message ?? ''
  }${errors}`.trim();
}

/**
 * Sends pages to PagerDuty as Events API v2 alert events. The page's dedup key
 * is PagerDuty's `dedup_key`, so repeated triggers update one alert and a
 * resolve needs nothing but the key, even after a restart.
 */
export class PagerDutyPager implements Pager {
  readonly #settings: PagerDutyPagerSettings;
  readonly #now: () => Date;

  /** Builds the pager from `promotion.pagers.pagerduty`. */
  static fromConfig(config: Config): PagerDutyPager {
    return new PagerDutyPager(readPagerDutyPagerSettings(config));
  }

  constructor(
    settings: PagerDutyPagerSettings,
    options: { now?: () => Date } = {},
  ) {
    this.#settings = settings;
    this.#now = options.now ?? (() => new Date());
  }

  async trigger(page: Page): Promise<void> {
    await this.#send(
      triggerEvent(this.#settings.routingKey, page, this.#now()),
    );
  }

  async resolve(dedupKey: string): Promise<void> {
    await this.#send(resolveEvent(this.#settings.routingKey, dedupKey));
  }

  async #send(event: PagerDutyEvent): Promise<void> {
    const body = checkEvent(event);
    const target = `PagerDuty Events API at ${this.#settings.url}`;
    const answer = await postJson(
      this.#settings.url,
      body,
      this.#settings.timeoutMs,
      target,
    );
    const what = `${event.event_action} of dedup key ${JSON.stringify(
      event.dedup_key,
    )}`;
    const description = describeAnswer(
      answer.status,
      answer.statusText,
      answer.body,
    );
    // PagerDuty accepts an event with 202 and `status: success`; 429 and 5xx
    // are worth a retry, which the engine does after this throws.
    if (answer.status !== 202) {
      throw new Error(`${target} refused the ${what}: ${description}`);
    }
    if (parseResponse(answer.body)?.status !== 'success') {
      throw new Error(`${target} did not confirm the ${what}: ${description}`);
    }
  }
}
