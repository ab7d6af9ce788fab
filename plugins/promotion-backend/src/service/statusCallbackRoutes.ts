import express from 'express';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { PromotionEngine } from '../engine/PromotionEngine';
import { StatusCallbacks } from '../engine/StatusCallbacks';
import { parseInput } from './validation';

/** The path of the status callback, relative to the plugin's base URL. */
export const STATUS_CALLBACK_PATH = '/v1/deployments/:deploymentId/status';

/** What the status callback route needs. */
export interface StatusCallbackRouteOptions {
  statusCallbacks: StatusCallbacks;
  engine: PromotionEngine;
}

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

const deploymentIdSchema = z.string().uuid();

/** The `DeploymentStatusReport` body; unknown fields are ignored. */
const statusReportSchema = z.object({
  status: z.enum(['running', 'succeeded', 'failed']),
  reason: z.string().max(2000).optional(),
});

/**
 * `POST /v1/deployments/{deploymentId}/status`: a deploy system reports how a
 * deployment it was handed goes. No Backstage token: the deployer checks the
 * callback's signature (see `StatusCallbacks`). 202 once the report is stored
 * (or was already known), then the engine acts on it at once.
 */
export function mountStatusCallbackRoutes(
  router: express.Router,
  options: StatusCallbackRouteOptions,
) {
  router.post(STATUS_CALLBACK_PATH, async (req, res) => {
    const deploymentId = parseInput(
      deploymentIdSchema,
      req.params.deploymentId,
      'deploymentId in path',
    );
    const body = parseInput(statusReportSchema, req.body);
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const outcome = await options.statusCallbacks.receive({
      deploymentId,
      report: { state: body.status, reason: body.reason },
      headers,
      // A body that was not JSON was never parsed: an empty one verifies nothing.
      rawBody: (req as WithRawBody)[RAW_BODY] ?? Buffer.alloc(0),
    });
    if (outcome.recorded) {
      options.engine.kick();
    }
    res.status(202).json({
      deploymentId,
      status: body.status,
      recorded: outcome.recorded,
    });
  });
}
