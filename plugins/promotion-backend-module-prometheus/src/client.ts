/** One series of a range query: its labels and `[unix seconds, value]` points. */
export interface RangeSeries {
  metric: Record<string, string>;
  values: Array<[number, number]>;
}

/** One series of an instant query (a scalar result has no labels). */
export interface InstantSample {
  metric: Record<string, string>;
  value: [number, number];
}

/** Where the client talks to and how long it waits. */
export interface PrometheusClientOptions {
  baseUrl: string;
  timeoutMs: number;
}

/**
 * A minimal client of the Prometheus HTTP API (`/api/v1/query`,
 * `/api/v1/query_range`). Every failure throws: transport, timeout, HTTP
 * status, `status: "error"` and any body that is not the documented shape.
 */
export class PrometheusClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(options: PrometheusClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs;
  }

  /** Runs a range query; returns every series of the matrix. */
  async queryRange(
    query: string,
    start: Date,
    end: Date,
    stepSeconds: number,
  ): Promise<RangeSeries[]> {
    const data = await this.get('/api/v1/query_range', {
      query,
      start: toUnixSeconds(start),
      end: toUnixSeconds(end),
      step: String(stepSeconds),
    });
    if (data.resultType !== 'matrix' || !Array.isArray(data.result)) {
      throw new Error(
        `Prometheus answered a range query with resultType '${data.resultType}', expected 'matrix'`,
      );
    }
    return data.result.map((series: any) => {
      if (!Array.isArray(series?.values)) {
        throw new Error(
          'Prometheus returned a series without float values (native histograms are not supported)',
        );
      }
      return {
        metric: series.metric ?? {},
        values: series.values.map(parsePoint),
      };
    });
  }

  /** Runs an instant query at `time`; a scalar result becomes one unlabelled sample. */
  async queryInstant(query: string, time: Date): Promise<InstantSample[]> {
    const data = await this.get('/api/v1/query', {
      query,
      time: toUnixSeconds(time),
    });
    if (data.resultType === 'scalar') {
      return [{ metric: {}, value: parsePoint(data.result) }];
    }
    if (data.resultType !== 'vector' || !Array.isArray(data.result)) {
      throw new Error(
        `Prometheus answered an instant query with resultType '${data.resultType}', expected 'vector' or 'scalar'`,
      );
    }
    return data.result.map((sample: any) => {
      if (!Array.isArray(sample?.value)) {
        throw new Error(
          'Prometheus returned a sample without a float value (native histograms are not supported)',
        );
      }
      return { metric: sample.metric ?? {}, value: parsePoint(sample.value) };
    });
  }

  private async get(path: string, params: Record<string, string>) {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [key, value] of Object.entries(params)) {
      url.searchParams.set(key, value);
    }
    // Also ask Prometheus to give up, so it does not keep evaluating for nobody.
    url.searchParams.set('timeout', `${this.timeoutMs}ms`);

    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    let status: number;
    let text: string;
    try {
      // The timer covers the body too: a server may stall after the headers.
      const response = await fetch(url, {
        signal: controller.signal,
        headers: { accept: 'application/json' },
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      if (controller.signal.aborted) {
        throw new Error(
          `Prometheus at ${this.baseUrl} did not answer within ${this.timeoutMs} ms`,
        );
      }
      throw new Error(
        `Prometheus at ${this.baseUrl} is unreachable: ${describeFetchError(
          error,
        )}`,
      );
    } finally {
      clearTimeout(timer);
    }
    return parseApiResponse(status, text);
  }
}

/**
 * Checks the API envelope and returns its `data`. Prometheus sends
 * `{status: "error", errorType, error}` with 400/422/503, so its own message
 * is surfaced whenever there is one.
 */
export function parseApiResponse(status: number, text: string): any {
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(
      `Prometheus answered HTTP ${status} with a body that is not a Prometheus API response: ${truncate(
        text,
      )}`,
    );
  }
  if (body?.status === 'error') {
    throw new Error(
      `Prometheus query failed (HTTP ${status}, ${
        body.errorType ?? 'error'
      }): ${body.error ?? 'no message'}`,
    );
  }
  if (status < 200 || status >= 300) {
    throw new Error(`Prometheus answered HTTP ${status}: ${truncate(text)}`);
  }
  if (body?.status !== 'success' || typeof body.data !== 'object') {
    throw new Error(
      `Prometheus answered with an unexpected body: ${truncate(text)}`,
    );
  }
  return body.data;
}

/** Parses a sample value as Prometheus writes it ("1.5", "NaN", "+Inf", "-Inf"). */
export function parseSampleValue(raw: unknown): number {
  if (typeof raw !== 'string') {
    throw new Error(
      `Prometheus sample value must be a string, got ${JSON.stringify(raw)}`,
    );
  }
  switch (raw) {
    case 'NaN':
      return NaN;
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    default: {
      const value = raw.trim() === '' ? NaN : Number(raw);
      if (Number.isNaN(value)) {
        throw new Error(`Prometheus sample value '${raw}' is not a number`);
      }
      return value;
    }
  }
}

function parsePoint(point: unknown): [number, number] {
  if (
    !Array.isArray(point) ||
    point.length !== 2 ||
    typeof point[0] !== 'number'
  ) {
    throw new Error(
      `Prometheus sample must be [timestamp, "value"], got ${truncate(
        JSON.stringify(point),
      )}`,
    );
  }
  return [point[0], parseSampleValue(point[1])];
}

function toUnixSeconds(date: Date): string {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) {
    throw new Error('query time is not a valid date');
  }
  return (ms / 1000).toFixed(3);
}

function describeFetchError(error: unknown): string {
  // undici hides the socket error (ECONNREFUSED, ENOTFOUND …) in `cause`.
  // Duck-typed: errors from other realms (Jest's sandbox) fail instanceof.
  const cause = (error as { cause?: { message?: unknown } })?.cause;
  if (cause && typeof cause.message === 'string' && cause.message) {
    return cause.message;
  }
  return (error as { message?: string })?.message ?? String(error);
}

function truncate(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
