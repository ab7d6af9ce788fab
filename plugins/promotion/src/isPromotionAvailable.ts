import type { Entity } from '@backstage/catalog-model';
import { getPipelineName } from '@promotion-pipeline/backstage-plugin-promotion-common';

/** True when the entity carries the pipeline annotation. */
export function isPromotionAvailable(entity: Entity): boolean {
  return getPipelineName(entity) !== undefined;
}
