import { NotFoundError } from '@backstage/errors';
import {
  digestSchema,
  promotionRegisterPermission,
  reportTestResultRequestSchema,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { audited, callerOf } from '../access';
import { parseInput } from '../validation';
import { OperationContext, PromotionRouter } from './context';

/** `POST /v1/artifacts/{digest}/test-results` (ReportTestResult): CI reports a suite's result. */
export function reportTestResult(
  router: PromotionRouter,
  {
    httpAuth,
    auditor,
    authorizedService,
    store,
    engine,
  }: Pick<
    OperationContext,
    'httpAuth' | 'auditor' | 'authorizedService' | 'store' | 'engine'
  >,
) {
  router.post('/v1/artifacts/:digest/test-results', async (req, res) => {
    const caller = await callerOf(httpAuth, req);
    const digest = parseInput(
      digestSchema,
      req.params.digest,
      'digest in path',
    );
    const body = parseInput(reportTestResultRequestSchema, req.body);
    await audited(
      auditor,
      req,
      'artifact-test-result',
      {
        entityRef: body.entityRef,
        digest,
        suite: body.suite,
        status: body.status,
      },
      async () => {
        const service = await authorizedService(
          caller,
          promotionRegisterPermission,
          body.entityRef,
        );
        const artifact = await store.getArtifact(service.entityRef, digest);
        if (!artifact) {
          throw new NotFoundError(
            `Artifact ${digest} of ${service.entityRef} is not registered`,
          );
        }
        const { entityRef, ...result } = body;
        await engine.reportTestResult(artifact, result, caller.actor);
        res.status(201).json({ status: 'stored' });
      },
    );
  });
}
