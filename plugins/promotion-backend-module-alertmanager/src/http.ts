import { isError } from '@backstage/errors';

/** What a server answered. */
export interface HttpAnswer {
  status: number;
  statusText: string;
  body: string;
}

// Duck-typed: fetch's errors may come from another realm than our `Error`.
function describe(error: unknown): string {
  if (!isError(error)) {
    return String(error);
  }
  // fetch hides the socket error (ECONNREFUSED …) in `cause`.
  const cause = isError(error.cause) ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

/**
 * POSTs a JSON body. Throws a clear error when the server cannot be reached
 * or does not answer in time; any HTTP status is returned for the caller to judge.
 */
export async function postJson(
  url: string,
  body: unknown,
  timeoutMs: number,
  target: string,
): Promise<HttpAnswer> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return {
      status: response.status,
      statusText: response.statusText,
      body: await response.text(),
    };
  } catch (error) {
    throw failure(error, target, timeoutMs);
  }
}

/**
 * GETs a URL expecting JSON. Throws a clear error when the server cannot be
 * reached or does not answer in time; any HTTP status is returned.
 */
export async function getJson(
  url: string,
  timeoutMs: number,
  target: string,
): Promise<HttpAnswer> {
  try {
    const response = await fetch(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    return {
      status: response.status,
      statusText: response.statusText,
      body: await response.text(),
    };
  } catch (error) {
    throw failure(error, target, timeoutMs);
  }
}

function failure(error: unknown, target: string, timeoutMs: number): Error {
  if (isError(error) && error.name === 'TimeoutError') {
    return new Error(`${target} did not answer within ${timeoutMs} ms`, {
      cause: error,
    });
  }
  return new Error(`Could not reach ${target}: ${describe(error)}`, {
    cause: error,
  });
}
