import { z } from 'zod';
import { rawBodyOf } from '../rawBody';
import { parseInput } from '../validation';
import { OperationContext, PromotionRouter } from './context';

const deploymentIdSchema = z.string().uuid();

/** The `DeploymentStatusReport` body; unknown fields are ignored. */
const statusReportSchema = z.object({
  status: z.enum(['running', 'succeeded', 'failed']),
  reason: z.string().max(2000).optional(),
});

/**
 * `POST /v1/deployments/{deploymentId}/status` (ReportDeploymentStatus): a
 * deploy system reports how a deployment it was handed goes. No Backstage
 * token: the deployer checks the callback's signature (see
 * `StatusCallbacks`). 202 once the report is stored (or was already known),
 * then the engine acts on it at once.
 */
export function reportDeploymentStatus(
  router: PromotionRouter,
  {
    statusCallbacks,
    engine,
  }: Pick<OperationContext, 'statusCallbacks' | 'engine'>,
) {
  router.post('/v1/deployments/:deploymentId/status', async (req, res) => {
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
    const outcome = await statusCallbacks.receive({
      deploymentId,
      report: { state: body.status, reason: body.reason },
      headers,
      rawBody: rawBodyOf(req),
    });
    if (outcome.recorded) {
      engine.kick();
    }
    res.status(202).json({
      deploymentId,
      status: body.status,
      recorded: outcome.recorded,
    });
  });
}
