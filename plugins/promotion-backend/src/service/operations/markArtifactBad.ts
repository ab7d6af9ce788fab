import {
  digestSchema,
  markArtifactBadRequestSchema,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { markArtifactBad as markArtifactBadCommand } from '../../commands/markBad';
import { audited, callerOf } from '../access';
import { serviceRefFromPath } from '../ServiceResolver';
import { parseInput } from '../validation';
import { PromotionRouter } from './context';
import { ServiceCommandContext, serviceCommandDeps } from './wakingCommand';

/** `POST .../artifacts/{digest}/bad` (MarkArtifactBad): no automation promotes the artifact again. */
export function markArtifactBad(
  router: PromotionRouter,
  context: ServiceCommandContext,
) {
  const { httpAuth, auditor } = context;
  router.post(
    '/v1/services/:kind/:namespace/:name/artifacts/:digest/bad',
    async (req, res) => {
      const caller = await callerOf(httpAuth, req);
      const digest = parseInput(
        digestSchema,
        req.params.digest,
        'digest in path',
      );
      const body = parseInput(markArtifactBadRequestSchema, req.body);
      const entityRef = serviceRefFromPath(req.params);
      await audited(
        auditor,
        req,
        'artifact-mark-bad',
        { entityRef, digest },
        async () => {
          await markArtifactBadCommand(serviceCommandDeps(context), {
            caller,
            entityRef,
            digest,
            reason: body.reason,
          });
          res.json({ status: 'marked bad' });
        },
      );
    },
  );
}
