import type {
  IncidentAlert,
  IncidentEvidence,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import type {
  AlertSource,
  GateContext,
  TypedGate,
  TypedGateEvaluation,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import type { IncidentFreezeStore } from '../../database/IncidentFreezeStore';
import { renderMatchers } from './matchers';

/** The name pipelines use to require the incident gate. */
export const INCIDENT_GATE_NAME = 'incident';

/**
 * How soon a lane stopped by an incident is looked at again: an alert's
 * resolution must release promotions within seconds, and one read of the
 * alert source per lane every 15 s costs the source nothing.
 */
export const INCIDENT_RECHECK_MS = 15_000;

// Enough to name what fires; the rest is one click away in the source.
const MAX_ALERTS_KEPT = 10;
const MAX_TEXT = 500;

/** What the incident gate reads and writes. */
export interface IncidentGateOptions {
  sources: ReadonlyMap<string, AlertSource>;
  freezes: IncidentFreezeStore;
}

/** The gate's options from the pipeline config, checked again at each evaluation. */
export interface IncidentOptions {
  source: string;
  matchers: string[];
}

/** Reads `source` and `matchers` of an incident gate; throws naming the option. */
export function readIncidentOptions(
  options: Record<string, unknown>,
): IncidentOptions {
  const { source, matchers } = options;
  if (typeof source !== 'string' || source === '') {
    throw new Error(
      `option 'source' is required: name an alert source (e.g. alertmanager)`,
    );
  }
  if (
    !Array.isArray(matchers) ||
    matchers.length === 0 ||
    matchers.some(m => typeof m !== 'string')
  ) {
    throw new Error(
      `option 'matchers' must list at least one label matcher, e.g. service="{{name}}"`,
    );
  }
  return { source, matchers: matchers as string[] };
}

const clip = (text: string | undefined) =>
  text === undefined ? undefined : text.slice(0, MAX_TEXT);

function describeAlerts(alerts: IncidentAlert[]): string {
  const names = alerts.slice(0, 3).map(a => {
    const since = a.startsAt ? ` since ${a.startsAt}` : '';
    return `${a.name}${since}`;
  });
  const more = alerts.length > 3 ? ` and ${alerts.length - 3} more` : '';
  return `${names.join(', ')}${more}`;
}

/**
 * The incident gate: promotions into an environment wait while an alert
 * matching the environment's matchers fires at its alert source, as if the
 * line were stopped by hand, and go ahead once it resolves. A source that
 * cannot be read stops them too (fail closed). Each start and end of such a
 * stop is an audit event of the lane.
 */
export function createIncidentGate(
  deps: IncidentGateOptions,
): TypedGate<IncidentEvidence> {
  return {
    name: INCIDENT_GATE_NAME,
    async evaluate(
      context: GateContext,
    ): Promise<TypedGateEvaluation<IncidentEvidence>> {
      const { source: sourceName, matchers: templates } = readIncidentOptions(
        context.options,
      );
      const lane = {
        entityRef: context.entityRef,
        environment: context.toEnvironment,
      };
      const matchers = renderMatchers(
        templates,
        context.entityRef,
        context.toEnvironment,
      );
      const source = deps.sources.get(sourceName);
      let firing: IncidentAlert[];
      try {
        if (!source) throw new Error('no module added it');
        firing = (await source.firingAlerts(matchers))
          .slice(0, MAX_ALERTS_KEPT)
          .map(alert => ({
            id: clip(alert.id)!,
            name: clip(alert.name)!,
            labels: alert.labels,
            startsAt: clip(alert.startsAt)!,
            ...(alert.summary ? { summary: clip(alert.summary) } : {}),
            ...(alert.url ? { url: clip(alert.url) } : {}),
          }));
      } catch (error) {
        const reason = `incident freeze: alert source '${sourceName}' cannot be read (${
          (error as Error)?.message ?? String(error)
        }); promotions into ${
          context.toEnvironment
        } stay stopped until it answers`;
        await deps.freezes.freeze(
          { ...lane, source: sourceName, reason, alerts: [] },
          context.now,
        );
        return {
          verdict: 'failed',
          errored: true,
          reason,
          evidence: { source: sourceName, matchers, alerts: [], errored: true },
        };
      }
      const evidence = { source: sourceName, matchers, alerts: firing };
      if (firing.length > 0) {
        const reason = `incident freeze: ${describeAlerts(
          firing,
        )} firing at ${sourceName}; promotions into ${
          context.toEnvironment
        } resume when it resolves`;
        await deps.freezes.freeze(
          { ...lane, source: sourceName, reason, alerts: firing },
          context.now,
        );
        return {
          verdict: 'pending',
          reason,
          evidence,
          nextCheckAt: new Date(context.now.getTime() + INCIDENT_RECHECK_MS),
        };
      }
      await deps.freezes.thaw(lane, context.now);
      return {
        verdict: 'passed',
        reason: `no alert matching ${matchers.join(
          ', ',
        )} fires at ${sourceName}`,
        evidence,
      };
    },
  };
}
