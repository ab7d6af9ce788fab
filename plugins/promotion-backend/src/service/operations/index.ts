import { approvePromotion } from './approvePromotion';
import { cancelRollback } from './cancelRollback';
import { confirmRollback } from './confirmRollback';
import { Operation } from './context';
import { createFreeze } from './createFreeze';
import { getDora } from './getDora';
import { getOverview } from './getOverview';
import { getPipeline } from './getPipeline';
import { getSoak } from './getSoak';
import { health } from './health';
import { liftFreeze } from './liftFreeze';
import { listDeployments } from './listDeployments';
import { listEvents } from './listEvents';
import { listRollbacks } from './listRollbacks';
import { markArtifactBad } from './markArtifactBad';
import { overrideRollback } from './overrideRollback';
import { pushSoakSamples } from './pushSoakSamples';
import { registerArtifact } from './registerArtifact';
import { rejectPromotion } from './rejectPromotion';
import { releaseHold } from './releaseHold';
import { reportDeploymentStatus } from './reportDeploymentStatus';
import { reportTestResult } from './reportTestResult';
import { rollback } from './rollback';

export type { Operation, OperationContext, PromotionRouter } from './context';

/**
 * Every operation of the spec, by its `operationId`, bound to its handler.
 * The typed router refuses a path the spec does not declare; the contract
 * tests check no declared operation is left without a handler.
 */
export const OPERATIONS: Record<string, Operation> = {
  Health: health,
  RegisterArtifact: registerArtifact,
  ReportTestResult: reportTestResult,
  ReportDeploymentStatus: reportDeploymentStatus,
  GetOverview: getOverview,
  GetPipeline: getPipeline,
  ListDeployments: listDeployments,
  ListEvents: listEvents,
  GetDora: getDora,
  ApprovePromotion: approvePromotion,
  RejectPromotion: rejectPromotion,
  CancelRollback: cancelRollback,
  Rollback: rollback,
  ListRollbacks: listRollbacks,
  ConfirmRollback: confirmRollback,
  OverrideRollback: overrideRollback,
  ReleaseHold: releaseHold,
  CreateFreeze: createFreeze,
  LiftFreeze: liftFreeze,
  MarkArtifactBad: markArtifactBad,
  PushSoakSamples: pushSoakSamples,
  GetSoak: getSoak,
};
