import type {
  AuditEvent,
  Deployment,
  Page,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import {
  DeploymentQuery,
  EventQuery,
  PromotionStore,
} from '../database/PromotionStore';
import { toDeployment } from './shapes';

/** One page of a service's deployments, newest first, with their artifacts. */
export async function deploymentsPage(
  store: PromotionStore,
  entityRef: string,
  query: Omit<DeploymentQuery, 'states'>,
): Promise<Page<Deployment>> {
  const page = await store.listDeployments(entityRef, query);
  const artifacts = await store.getArtifactsById(
    page.items.map(d => d.artifactId),
  );
  return {
    ...page,
    items: page.items.map(d => toDeployment(d, artifacts)),
  };
}

/** One page of a service's audit log, newest first. */
export async function eventsPage(
  store: PromotionStore,
  entityRef: string,
  query: EventQuery,
): Promise<Page<AuditEvent>> {
  return store.listEvents(entityRef, query);
}
