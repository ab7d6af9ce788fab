import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';

/** One HTTP request exactly as written: the path is sent unnormalised (`..`, `%00` and `//` reach the server). */
export interface RawRequest {
  method: string;
  /** Already percent-encoded where it needs to be. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** What came back; `json` is set when the body parsed as JSON. */
export interface RawResponse {
  status: number;
  contentType: string;
  text: string;
  json?: any;
}

/** The base URL of a listening test server. */
export function baseUrlOf(server: Server): string {
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/**
 * Sends a request with node:http rather than a client that parses URLs, so
 * the paths a fuzzer or an attacker writes arrive byte for byte.
 */
export function rawRequest(
  baseUrl: string,
  request: RawRequest,
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: request.method,
        path: request.path,
        headers: {
          ...(request.body !== undefined
            ? { 'content-length': String(Buffer.byteLength(request.body)) }
            : {}),
          ...request.headers,
        },
        agent: false,
      },
      res => {
        const chunks: Buffer[] = [];
        res.on('data', chunk => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            text,
            json,
          });
        });
      },
    );
    req.on('error', error => {
      // A server may answer (401, 413) and close before it read a large body:
      // the client's write then fails, but the answer is still on its way.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EPIPE' || code === 'ECONNRESET') {
        setTimeout(() => reject(error), 1000).unref();
      } else {
        reject(error);
      }
    });
    if (request.body !== undefined) req.write(request.body);
    req.end();
  });
}

/**
 * Whether a response carries Backstage's error body
 * (`{ error: { name, message }, request, response: { statusCode } }`).
 */
export function hasBackstageErrorBody(res: RawResponse): boolean {
  const body = res.json;
  return (
    res.contentType.startsWith('application/json') &&
    typeof body?.error?.name === 'string' &&
    typeof body?.error?.message === 'string' &&
    body.error.message.length > 0 &&
    typeof body?.request === 'object' &&
    body?.response?.statusCode === res.status
  );
}
