/**
 * Dedup keys of the pages the backend sends: one key per condition, so a
 * pager collapses repeats and a resolve closes the page it opened.
 */
export const pageKeys = {
  /** e2e failed against the source environment for this artifact. */
  e2e: (entityRef: string, environment: string, digest: string) =>
    `e2e:${entityRef}:${environment}:${digest}`,
  /** The burn watch of this deployment cannot read its metrics. */
  blind: (deploymentId: string) => `auto-rollback-blind:${deploymentId}`,
  /** This deployment burns its budget and there is nothing to roll back to. */
  noTarget: (deploymentId: string) => `auto-rollback-stuck:${deploymentId}`,
  /** This automatic rollback fired. */
  fired: (rollbackId: string) => `auto-rollback:${rollbackId}`,
};
