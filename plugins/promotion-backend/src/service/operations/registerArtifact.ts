import {
  promotionRegisterPermission,
  registerArtifactRequestSchema,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { callerOf } from '../access';
import { parseInput } from '../validation';
import { OperationContext, PromotionRouter } from './context';

/** `POST /v1/artifacts` (RegisterArtifact): CI registers the artifact of a merge; 201 when new, 200 when known. */
export function registerArtifact(
  router: PromotionRouter,
  {
    httpAuth,
    auditor,
    authorizedService,
    engine,
  }: Pick<
    OperationContext,
    'httpAuth' | 'auditor' | 'authorizedService' | 'engine'
  >,
) {
  router.post('/v1/artifacts', async (req, res) => {
    const caller = await callerOf(httpAuth, req);
    const body = parseInput(registerArtifactRequestSchema, req.body);
    const audit = await auditor.createEvent({
      eventId: 'artifact-register',
      request: req,
      meta: { entityRef: body.entityRef, digest: body.digest },
    });
    try {
      const service = await authorizedService(
        caller,
        promotionRegisterPermission,
        body.entityRef,
      );
      const { testResults, ...artifact } = body;
      const result = await engine.registerArtifact(
        {
          ...artifact,
          entityRef: service.entityRef,
          pipeline: service.pipeline.name,
        },
        testResults,
        caller.actor,
      );
      await audit.success({ meta: { created: result.created } });
      const { bad, badReason, pipeline, ...publicArtifact } = result.artifact;
      res.status(result.created ? 201 : 200).json({
        artifact: publicArtifact,
        created: result.created,
      });
    } catch (error) {
      await audit.fail({ error: error as Error });
      throw error;
    }
  });
}
