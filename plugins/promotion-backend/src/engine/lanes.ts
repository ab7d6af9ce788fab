import { ArtifactRecord, DeploymentRecord } from '../database/PromotionStore';

const LIVE = ['queued', 'deploying', 'soaking', 'verified'];

/**
 * The deployment serving a lane: the newest one still in flight, else the
 * verified one. The warm previous one is what a rollback returns to: while a
 * new artifact is still in flight, the verified one it is replacing; else the
 * newest earlier deployment that was verified once and was replaced (not
 * rolled back, not bad).
 */
export function laneDeployments(
  deployments: DeploymentRecord[],
  artifacts: Map<string, ArtifactRecord>,
) {
  const newestFirst = [...deployments].sort(
    (a, b) => b.createdAt.getTime() - a.createdAt.getTime(),
  );
  const inFlight = newestFirst.find(
    d => LIVE.includes(d.state) && d.state !== 'verified',
  );
  const verified = newestFirst.find(d => d.state === 'verified');
  const current = inFlight ?? verified;
  const replacing =
    inFlight &&
    inFlight.trigger !== 'rollback' &&
    verified &&
    verified.artifactId !== inFlight.artifactId &&
    !artifacts.get(verified.artifactId)?.bad
      ? verified
      : undefined;
  const previous =
    replacing ??
    newestFirst
      .filter(
        d =>
          d.state === 'superseded' &&
          d.verifiedAt &&
          !artifacts.get(d.artifactId)?.bad,
      )
      .filter(d => d.artifactId !== (verified ?? current)?.artifactId)
      .sort((a, b) => b.verifiedAt!.getTime() - a.verifiedAt!.getTime())[0];
  return { current, verified, previous };
}
