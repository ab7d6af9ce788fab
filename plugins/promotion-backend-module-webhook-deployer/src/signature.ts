import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header carrying the unix time (seconds) the request was signed at. */
export const WEBHOOK_TIMESTAMP_HEADER = 'X-Promotion-Timestamp';
/** Header carrying `sha256=<hex HMAC-SHA256 over "<timestamp>.<raw body>">`. */
export const WEBHOOK_SIGNATURE_HEADER = 'X-Promotion-Signature';
/** Header carrying the deployment id, which is the idempotency key. */
export const WEBHOOK_IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** How far a signed timestamp may be from now before it counts as a replay. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

const SIGNATURE_PATTERN = /^sha256=([0-9a-fA-F]{64})$/;
const TIMESTAMP_PATTERN = /^\d{1,12}$/;

/** Raw request body as sent on the wire; sign the bytes, never a re-serialisation. */
export type WebhookBody = string | Uint8Array;

function hmacHex(
  secret: string,
  timestamp: number | string,
  body: WebhookBody,
): string {
  return createHmac('sha256', secret)
    .update(`${timestamp}.`)
    .update(body)
    .digest('hex');
}

/** Returns the `X-Promotion-Signature` value for a body signed at `timestamp` (unix seconds). */
export function signWebhookBody(
  secret: string,
  timestamp: number | string,
  body: WebhookBody,
): string {
  return `sha256=${hmacHex(secret, timestamp, body)}`;
}

/** Options of {@link verifyWebhookSignature}. */
export interface VerifyWebhookSignatureOptions {
  /** The current time; defaults to the wall clock. */
  now?: Date;
  /** Largest accepted distance between the timestamp and now; default 300 seconds. */
  toleranceSeconds?: number;
}

/**
 * Checks a signed webhook request (timing-safe); false for a missing, malformed,
 * wrong or stale signature, so callers can reject anything that is not true.
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string | number | undefined,
  body: WebhookBody,
  header: string | undefined,
  options: VerifyWebhookSignatureOptions = {},
): boolean {
  if (!secret || timestamp === undefined || header === undefined) {
    return false;
  }
  const timestampText = String(timestamp).trim();
  if (!TIMESTAMP_PATTERN.test(timestampText)) {
    return false;
  }
  const nowSeconds = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const tolerance =
    options.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS;
  // Both directions: a timestamp far in the future is as suspect as an old one.
  if (Math.abs(nowSeconds - Number(timestampText)) > tolerance) {
    return false;
  }
  const match = SIGNATURE_PATTERN.exec(header.trim());
  if (!match) {
    return false;
  }
  const expected = Buffer.from(hmacHex(secret, timestampText, body), 'hex');
  const given = Buffer.from(match[1], 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Headers that sign `body` at `now`. */
export function signatureHeaders(
  secret: string,
  body: WebhookBody,
  now: Date,
): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    [WEBHOOK_TIMESTAMP_HEADER]: String(timestamp),
    [WEBHOOK_SIGNATURE_HEADER]: signWebhookBody(secret, timestamp, body),
  };
}
