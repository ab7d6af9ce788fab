import { ConflictError, NotFoundError } from '@backstage/errors';
import { promotionAdminPermission } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { ArtifactRecord, PromotionStore } from '../database/PromotionStore';
import { AuthorizedService, Caller } from '../service/access';

/** What marking an artifact bad needs. */
export interface MarkArtifactBadDeps {
  store: PromotionStore;
  /** Finds the service and checks the caller may act on it; records a refusal. */
  authorizedService: AuthorizedService;
  /** Re-evaluates the artifact's waiting promotions at once. */
  wake: () => void;
  clock: () => Date;
}

/** One bad mark on a registered artifact of a service. */
export interface MarkArtifactBadInput {
  caller: Caller;
  entityRef: string;
  digest: string;
  reason?: string;
}

/**
 * Marks an artifact bad, for good: it is never promoted or rolled back to
 * again. Admins only; the mark, its audit event and the wake-up of the
 * artifact's waiting promotions (so they meet the mark at once) are one
 * transaction.
 */
export async function markArtifactBad(
  deps: MarkArtifactBadDeps,
  input: MarkArtifactBadInput,
): Promise<ArtifactRecord> {
  const { store, caller, digest } = { ...deps, ...input };
  const service = await deps.authorizedService(
    caller,
    promotionAdminPermission,
    input.entityRef,
  );
  const artifact = await store.getArtifact(service.entityRef, digest);
  if (!artifact) {
    throw new NotFoundError(
      `Artifact ${digest} of ${service.entityRef} is not registered`,
    );
  }
  const now = deps.clock();
  await store.transaction(async tx => {
    const marked = await tx.markArtifactBad(
      artifact.id,
      input.reason,
      { actor: caller.actor, digest, entityRef: service.entityRef },
      now,
    );
    if (!marked) throw new ConflictError(`${digest} is marked bad already`);
    await tx.wakePromotions({ artifactId: artifact.id }, now);
  });
  deps.wake();
  return { ...artifact, bad: true, badReason: input.reason };
}
