import { Pipelines } from '../config/pipelines';
import {
  ArtifactRecord,
  NewArtifact,
  NewTestResult,
} from '../database/PromotionStore';
import { CommandDeps } from './rollback';

/**
 * Stores an artifact CI registered and, in the same transaction, starts its
 * journey with a promotion into the pipeline's first environment; a crash
 * can never leave a registered artifact that goes nowhere. A replay of a
 * registration changes nothing.
 */
export async function registerArtifact(
  deps: CommandDeps & { pipelines: Pipelines },
  input: NewArtifact,
  testResults: NewTestResult[],
  actor: string,
): Promise<{ artifact: ArtifactRecord; created: boolean }> {
  const pipeline = deps.pipelines.get(input.pipeline);
  if (!pipeline) {
    throw new Error(`pipeline '${input.pipeline}' is not configured`);
  }
  const now = deps.clock();
  const result = await deps.store.transaction(async tx => {
    const registered = await tx.registerArtifact(
      input,
      testResults,
      actor,
      now,
    );
    if (registered.created) {
      await tx.createPromotion(
        {
          entityRef: registered.artifact.entityRef,
          artifactId: registered.artifact.id,
          digest: registered.artifact.digest,
          toEnvironment: pipeline.environments[0].name,
          trigger: 'merge',
          actor,
        },
        now,
      );
    }
    return registered;
  });
  if (result.created) {
    deps.changed(input.entityRef);
    deps.wake();
  }
  return result;
}

/** Stores a test result and wakes the artifact's waiting promotions at once. */
export async function reportTestResult(
  deps: CommandDeps,
  artifact: ArtifactRecord,
  result: NewTestResult,
  actor: string,
): Promise<void> {
  const now = deps.clock();
  await deps.store.transaction(async tx => {
    await tx.addTestResult(artifact, result, actor, now);
    await tx.wakePromotions({ artifactId: artifact.id }, now);
  });
  deps.changed(artifact.entityRef);
  deps.wake();
}
