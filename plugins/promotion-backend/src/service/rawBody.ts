import express from 'express';
import type { IncomingMessage } from 'node:http';

const RAW_BODY = Symbol('promotion.rawBody');
type WithRawBody = IncomingMessage & { [RAW_BODY]?: Buffer };

/**
 * `express.json()` that also keeps the body bytes as received: a status
 * callback's signature covers those bytes, and re-serialising the parsed JSON
 * would change key order and whitespace.
 */
export function jsonKeepingRawBody(): express.RequestHandler {
  return express.json({
    verify: (req: WithRawBody, _res, buf) => {
      req[RAW_BODY] = buf;
    },
  });
}

/** The body bytes `jsonKeepingRawBody` kept; empty when the body was not JSON (never parsed). */
export function rawBodyOf(req: IncomingMessage): Buffer {
  return (req as WithRawBody)[RAW_BODY] ?? Buffer.alloc(0);
}
