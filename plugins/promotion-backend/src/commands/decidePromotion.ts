import {
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import {
  ConflictError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { promotionApprovePermission } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { PipelineConfig } from '../config/pipelines';
import {
  ArtifactRecord,
  PromotionRecord,
  PromotionStore,
} from '../database/PromotionStore';
import { approvalOptionsOf } from '../gates/approvalGate';
import {
  authorize,
  Caller,
  isSameUser,
  mayHoldPermission,
  requireGroupMember,
} from '../service/access';
import { RecordRefusal } from './refusals';

/** What an approval or rejection needs. */
export interface DecidePromotionDeps {
  store: PromotionStore;
  permissions: PermissionsService;
  userInfo: UserInfoService;
  recordRefusal: RecordRefusal;
  /** The pipeline an artifact moves through, if still configured. */
  pipelineOf: (artifact: ArtifactRecord) => PipelineConfig | undefined;
  /** Re-evaluates the promotion at once. */
  wake: () => void;
  clock: () => Date;
}

/** One approval or rejection of a pending promotion. */
export interface DecidePromotionInput {
  caller: Caller;
  promotionId: string;
  decision: 'approved' | 'rejected';
  comment?: string;
}

const verb = (decision: 'approved' | 'rejected') =>
  decision === 'approved' ? 'approve' : 'reject';

/**
 * Why `caller` may not decide on `promotion`, or undefined when they may.
 * Only a signed-in person may decide, never a service (whatever the policy
 * lets a service do), never the artifact's author, and only a member of the
 * gate's approvers group when it names one.
 */
async function refusalOf(
  deps: DecidePromotionDeps,
  input: DecidePromotionInput,
  promotion: PromotionRecord | undefined,
  artifact: ArtifactRecord | undefined,
): Promise<string | undefined> {
  const { caller } = input;
  const action = verb(input.decision);
  if (!caller.isPerson) {
    return `${caller.actor} is a service; only a signed-in person may ${action} a promotion`;
  }
  try {
    if (!promotion) {
      if (
        !(await mayHoldPermission(
          deps.permissions,
          caller,
          promotionApprovePermission,
        ))
      ) {
        return `${caller.actor} is not allowed ${promotionApprovePermission.name}`;
      }
      return undefined;
    }
    await authorize(
      deps.permissions,
      caller,
      promotionApprovePermission,
      promotion.entityRef,
    );
    if (artifact && isSameUser(caller, artifact.author)) {
      return `${caller.actor} is the author of ${artifact.version} and cannot ${action} it`;
    }
    const environment = artifact
      ? deps
          .pipelineOf(artifact)
          ?.environments.find(e => e.name === promotion.toEnvironment)
      : undefined;
    const group = environment && approvalOptionsOf(environment)?.group;
    if (group) {
      await requireGroupMember(
        deps.userInfo,
        caller,
        group,
        `${action} promotions into ${promotion.toEnvironment}`,
      );
    }
  } catch (error) {
    if (error instanceof NotAllowedError) return error.message;
    throw error;
  }
  return undefined;
}

/**
 * Approves or rejects a pending promotion: permission and person checks
 * first (a refused attempt lands in the service's audit log), then the
 * decision and its audit event in one transaction, then a wake-up.
 */
export async function decidePromotion(
  deps: DecidePromotionDeps,
  input: DecidePromotionInput,
): Promise<PromotionRecord> {
  const { store, caller } = { ...deps, caller: input.caller };
  const promotion = await store.getPromotion(input.promotionId);
  const artifact = promotion
    ? (await store.getArtifactsById([promotion.artifactId])).get(
        promotion.artifactId,
      )
    : undefined;
  const refusal = await refusalOf(deps, input, promotion, artifact);
  if (refusal) {
    if (promotion) {
      await deps.recordRefusal({
        entityRef: promotion.entityRef,
        environment: promotion.toEnvironment,
        digest: artifact?.digest,
        actor: caller.actor,
        action: verb(input.decision),
        reason: refusal,
        details: { promotionId: promotion.id },
      });
    }
    throw new NotAllowedError(refusal);
  }
  if (!promotion || !artifact) {
    throw new NotFoundError(`Promotion ${input.promotionId} does not exist`);
  }
  if (promotion.state !== 'pending') {
    throw new ConflictError(
      `Promotion ${promotion.id} is ${promotion.state}; only pending promotions take decisions`,
    );
  }
  const now = deps.clock();
  await store.transaction(async tx => {
    const added = await tx.decisions().addApproval(
      promotion.id,
      {
        actor: caller.actor,
        decision: input.decision,
        comment: input.comment,
      },
      now,
    );
    if (!added) {
      throw new ConflictError(
        `${caller.actor} already decided on promotion ${promotion.id}`,
      );
    }
    await tx.appendEvent(
      {
        entityRef: promotion.entityRef,
        environment: promotion.toEnvironment,
        digest: artifact.digest,
        kind:
          input.decision === 'approved'
            ? 'approval.given'
            : 'approval.rejected',
        actor: caller.actor,
        details: { promotionId: promotion.id, comment: input.comment },
      },
      now,
    );
    await tx.wakePromotions({ artifactId: promotion.artifactId }, now);
  });
  deps.wake();
  return (await store.getPromotion(promotion.id))!;
}
