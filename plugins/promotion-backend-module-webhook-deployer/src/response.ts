import type { DeployStatus } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { abbreviate, MAX_RESPONSE_BYTES } from './transport';

const KNOWN_STATUSES = ['running', 'succeeded', 'failed'] as const;
type ReportedStatus = (typeof KNOWN_STATUSES)[number];

function isReportedStatus(value: unknown): value is ReportedStatus {
  return (
    typeof value === 'string' &&
    (KNOWN_STATUSES as readonly string[]).includes(value)
  );
}

/**
 * Reads a deploy system's `{ status, reason? }` body. An empty body means
 * running; anything unrecognised is a failure, never a success.
 */
export function parseDeployStatusBody(
  text: string,
  truncated = false,
): DeployStatus {
  if (truncated) {
    return {
      state: 'failed',
      reason: `deploy system answered with a body larger than ${MAX_RESPONSE_BYTES} bytes`,
    };
  }
  if (text.trim() === '') {
    return { state: 'running' };
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return {
      state: 'failed',
      reason: `deploy system answered with a body that is not JSON: ${abbreviate(
        text,
      )}`,
    };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return {
      state: 'failed',
      reason: `deploy system answered with JSON that is not an object: ${abbreviate(
        text,
      )}`,
    };
  }
  const { status, reason } = body as { status?: unknown; reason?: unknown };
  if (!isReportedStatus(status)) {
    return {
      state: 'failed',
      reason: `deploy system answered with unknown status ${abbreviate(
        JSON.stringify(status) ?? 'undefined',
      )}; expected one of ${KNOWN_STATUSES.join(', ')}`,
    };
  }
  if (reason !== undefined && typeof reason !== 'string') {
    return {
      state: 'failed',
      reason: 'deploy system answered with a reason that is not a string',
    };
  }
  if (status === 'failed') {
    return {
      state: 'failed',
      reason: reason
        ? `deploy system reported failure: ${reason}`
        : 'deploy system reported failure without a reason',
    };
  }
  return reason ? { state: status, detail: reason } : { state: status };
}
