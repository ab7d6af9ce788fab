import type { Entity } from '@backstage/catalog-model';

/**
 * Annotation on a catalog entity that names the pipeline (a template under
 * `promotion.pipelines` in app-config) its artifacts move through.
 */
export const PROMOTION_PIPELINE_ANNOTATION = 'promotion.backstage.io/pipeline';

/** The pipeline name an entity is annotated with, if any. */
export function getPipelineName(entity: Entity): string | undefined {
  const value = entity.metadata.annotations?.[PROMOTION_PIPELINE_ANNOTATION];
  return value && value.trim() ? value.trim() : undefined;
}
