import { createHash } from 'node:crypto';
import { PipelineConfig } from '../config/pipelines';
import { ViewStore } from '../database/ViewStore';
import { Calendars } from '../gates/window';
import { laneCalendar } from './laneCalendar';

const shownConfig = new WeakMap<PipelineConfig, string>();

/** The part of a pipeline's config its view shows (config changes only with a restart). */
function configShown(pipeline: PipelineConfig): string {
  let shown = shownConfig.get(pipeline);
  if (shown === undefined) {
    shown = JSON.stringify([
      pipeline.name,
      pipeline.environments.map(env => [
        env.name,
        env.autoPromote,
        env.variables,
        env.secrets,
        env.soakMs,
        env.gates,
      ]),
    ]);
    shownConfig.set(pipeline, shown);
  }
  return shown;
}

/** Bumped when the pipeline view's shape changes, so old ETags stop matching. */
const VIEW_SHAPE = 1;

/**
 * The ETag of a service's pipeline view, known before the view is built: a
 * hash of the service's stored version (ViewStore.pipelineVersion: one
 * statement of index lookups), its pipeline config, and what the calendars
 * say now (a freeze begins or ends without any write). A polling client that
 * sends it back gets 304 until something it would see has changed.
 */
export async function pipelineEtag(
  views: ViewStore,
  entityRef: string,
  pipeline: PipelineConfig,
  calendars: Calendars | undefined,
  now: Date,
): Promise<string> {
  const version = await views.pipelineVersion(entityRef);
  const outlook = pipeline.environments.map(env =>
    laneCalendar(pipeline, env.name, calendars ?? new Map(), now),
  );
  const hash = createHash('sha256')
    .update(
      JSON.stringify([
        VIEW_SHAPE,
        entityRef,
        version,
        configShown(pipeline),
        outlook,
      ]),
    )
    .digest('base64url')
    .slice(0, 27);
  return `W/"${hash}"`;
}
