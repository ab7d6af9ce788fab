import { setTimeout as sleep } from 'node:timers/promises';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { isError } from '@backstage/errors';

/** How often and how patiently to retry a webhook request. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  /** Delay before the first retry; doubles for each further retry. */
  baseDelayMs: number;
  /** Upper bound of any single delay. */
  maxDelayMs: number;
}

/** One webhook request; headers are rebuilt per attempt so each carries a fresh signature. */
export interface WebhookCall {
  method: 'GET' | 'POST';
  url: string;
  body?: string;
  headers: () => Record<string, string>;
  timeoutMs: number;
}

/** The deploy system's final answer, or why none usable came. */
export type WebhookOutcome =
  | { kind: 'answered'; status: number; text: string; truncated: boolean }
  | { kind: 'gave-up'; attempts: number; lastError: string };

type Attempt =
  | { kind: 'answered'; status: number; text: string; truncated: boolean }
  | { kind: 'error'; error: string };

/** Largest response body read; more than this is cut off (and fails a 2xx). */
export const MAX_RESPONSE_BYTES = 64 * 1024;

/** 408, 429 and 5xx may succeed later; every other answer is final. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Delay before retry number `retry` (1-based): base, 2×base, 4×base … capped. */
export function backoffDelayMs(retry: number, policy: RetryPolicy): number {
  return Math.min(
    policy.baseDelayMs * 2 ** Math.max(0, retry - 1),
    policy.maxDelayMs,
  );
}

/** The target without query string or credentials, safe to show in reasons and logs. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '<invalid url>';
  }
}

function describeError(error: unknown): string {
  if (!isError(error)) {
    return String(error);
  }
  // fetch reports network failures as "fetch failed" with the real cause inside.
  const cause = (error as { cause?: unknown }).cause;
  if (isError(cause)) {
    const code = (cause as { code?: unknown }).code;
    return `${error.message}: ${cause.message || String(code ?? cause.name)}`;
  }
  return error.message;
}

async function readLimitedText(
  response: Response,
): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) {
    return { text: '', truncated: false };
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    chunks.push(value);
    size += value.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      await reader.cancel();
      const text = Buffer.concat(chunks).toString('utf8');
      return { text: text.slice(0, MAX_RESPONSE_BYTES), truncated: true };
    }
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
}

async function attemptOnce(call: WebhookCall): Promise<Attempt> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, call.timeoutMs);
  try {
    const response = await fetch(call.url, {
      method: call.method,
      headers: call.headers(),
      body: call.body,
      // A redirected POST would turn into a GET elsewhere; treat it as an answer instead.
      redirect: 'manual',
      signal: controller.signal,
    });
    // The body is read under the same deadline: a stalled body is a timeout too.
    const { text, truncated } = await readLimitedText(response);
    return { kind: 'answered', status: response.status, text, truncated };
  } catch (error) {
    return {
      kind: 'error',
      error: timedOut
        ? `no answer within ${call.timeoutMs} ms`
        : describeError(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

function describeAttempt(attempt: Attempt): string {
  return attempt.kind === 'error'
    ? attempt.error
    : `HTTP ${attempt.status}${
        attempt.text ? `: ${abbreviate(attempt.text)}` : ''
      }`;
}

/** Shortens response text for reasons and logs. */
export function abbreviate(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/**
 * Sends a webhook request, retrying network errors, timeouts, 408, 429 and 5xx
 * with exponential backoff; any other answer is returned at once.
 */
export async function sendWebhook(
  call: WebhookCall,
  policy: RetryPolicy,
  logger: LoggerService,
): Promise<WebhookOutcome> {
  const attempts = policy.retries + 1;
  let lastError = 'no attempt made';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) {
      await sleep(backoffDelayMs(attempt - 1, policy));
    }
    const result = await attemptOnce(call);
    if (result.kind === 'answered' && !isRetryableStatus(result.status)) {
      return result;
    }
    lastError = describeAttempt(result);
    logger.warn(
      `Webhook ${call.method} ${describeUrl(
        call.url,
      )} attempt ${attempt} of ${attempts} failed: ${lastError}`,
    );
  }
  return { kind: 'gave-up', attempts, lastError };
}
