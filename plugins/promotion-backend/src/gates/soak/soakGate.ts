import type {
  SoakEvidence,
  SoakSignal,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import type {
  GateContext,
  TypedGate,
  TypedGateEvaluation,
  MetricSample,
  MetricsProvider,
  MetricsQuery,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import {
  SOAK_SIGNALS,
  SoakSampleRecord,
  SoakSampleStore,
  SoakState,
} from '../../metrics/SoakSampleStore';
import { SOAK_GATE_NAME, SoakOptions, readSoakOptions } from './soakOptions';

/** What the soak gate needs. */
export interface SoakGateOptions {
  /** Metrics providers by name; `push` is the push provider. */
  providers: Map<string, MetricsProvider>;
  samples: SoakSampleStore;
  /** Overrides the evaluation's clock (tests). */
  now?: () => Date;
  /** Finds the artifact's deployment in the source environment when the context does not carry it. */
  sourceDeploymentId?: (
    entityRef: string,
    environment: string,
    artifactId: string,
  ) => Promise<string | undefined>;
}

interface Breach {
  signal: SoakSignal;
  value: number;
  threshold: number;
  at: Date;
}

/** Rounds for people: 0.0700000001 → 0.07. */
function num(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(4))) : 'NaN';
}

const unit = (signal: SoakSignal) => (signal === 'latency' ? ' s' : '');
const clockTime = (at: Date) => `${at.toISOString().slice(11, 16)} UTC`;

/** A window's length for people: "15 min", or seconds under two minutes. */
function span(ms: number): string {
  return ms < 120_000 ? `${num(ms / 1000)} s` : `${num(ms / 60_000)} min`;
}

/** "11 of 15 min": whole units elapsed of the required window. */
function progress(elapsedMs: number, requiredMs: number): string {
  const elapsed = Math.max(0, elapsedMs);
  const done =
    requiredMs < 120_000
      ? Math.floor(elapsed / 1000)
      : Math.floor(elapsed / 60_000);
  return `${done} of ${span(requiredMs)}`;
}

function describeBreach(breach: Breach): string {
  const { signal, value, threshold, at } = breach;
  const what = Number.isNaN(value)
    ? `${signal} NaN (no value)`
    : `${signal} ${num(value)}${unit(signal)} > ${num(threshold)}${unit(
        signal,
      )}`;
  return `${what} at ${clockTime(at)}`;
}

/** The earliest sample over its threshold or without a value, if any. */
function firstBreach(
  read: Map<SoakSignal, MetricSample[]>,
  thresholds: SoakOptions['thresholds'],
): Breach | undefined {
  let first: Breach | undefined;
  for (const [signal, samples] of read) {
    const threshold = thresholds[signal]!;
    // NaN is a breach: the source could not say the service was healthy.
    const bad = samples.find(s => !(s.value <= threshold));
    if (bad && (!first || bad.at.getTime() < first.at.getTime())) {
      first = { signal, value: bad.value, threshold, at: bad.at };
    }
  }
  return first;
}

/**
 * The soak gate: passes once the artifact ran in the source environment for
 * the configured window with every watched signal under its threshold. A
 * breach restarts the window (pending, not failed: the artifact keeps
 * soaking); a provider that cannot answer fails the gate as errored, or
 * leaves it pending with `onNoData: pending`.
 */
export function createSoakGate(
  options: SoakGateOptions,
): TypedGate<SoakEvidence> {
  const { providers, samples } = options;

  async function deploymentOf(context: GateContext, from: string) {
    const id =
      context.sourceDeploymentId ??
      (await options.sourceDeploymentId?.(
        context.entityRef,
        from,
        context.artifact.id,
      ));
    if (!id) {
      throw new Error(
        `no deployment of ${context.artifact.digest} in ${from} to soak`,
      );
    }
    return id;
  }

  async function clockOf(
    deploymentId: string,
    context: GateContext,
    now: Date,
  ): Promise<SoakState> {
    const stored = await samples.getSoakState(deploymentId);
    if (stored) {
      return stored;
    }
    // Without a verified time the soak starts when the gate first looks.
    const state: SoakState = {
      deploymentId,
      windowStartedAt: context.sourceVerifiedAt ?? now,
      updatedAt: now,
    };
    await samples.saveSoakState(state);
    return state;
  }

  return {
    name: SOAK_GATE_NAME,
    async evaluate(context): Promise<TypedGateEvaluation<SoakEvidence>> {
      const now = options.now?.() ?? context.now;
      if (context.trigger === 'rollback') {
        return { verdict: 'passed', reason: 'rollbacks skip soak' };
      }
      const soak = readSoakOptions(context.options);
      const from = context.fromEnvironment;
      if (!from) {
        throw new Error(
          'the soak gate needs a source environment; it cannot guard the first environment',
        );
      }
      const provider = providers.get(soak.provider);
      if (!provider) {
        throw new Error(
          `metrics provider '${soak.provider}' is not installed (installed: ${
            [...providers.keys()].join(', ') || 'none'
          })`,
        );
      }
      const deploymentId = await deploymentOf(context, from);
      const state = await clockOf(deploymentId, context, now);
      // Replica clocks differ a little: a start ahead of now counts as now.
      const windowStart = new Date(
        Math.min(
          now.getTime(),
          Math.max(
            state.windowStartedAt.getTime(),
            context.sourceVerifiedAt?.getTime() ?? -Infinity,
          ),
        ),
      );
      const elapsedMs = now.getTime() - windowStart.getTime();
      const signals = SOAK_SIGNALS.filter(
        s => soak.thresholds[s] !== undefined,
      );
      const evidence: SoakEvidence = {
        deploymentId,
        environment: from,
        provider: soak.provider,
        windowStartedAt: windowStart.toISOString(),
        elapsedMs,
        requiredMs: soak.windowMs,
        thresholds: soak.thresholds,
        ...(state.lastBreachAt
          ? {
              lastBreach: {
                at: state.lastBreachAt.toISOString(),
                reason: state.lastBreachReason,
              },
            }
          : {}),
      };

      const query: MetricsQuery = {
        entityRef: context.entityRef,
        environment: from,
        digest: context.artifact.digest,
        start: windowStart,
        end: now,
        stepSeconds: soak.stepSeconds,
        options: {
          latencyQuantile: soak.latencyQuantile,
          ...(soak.queries ? { queries: soak.queries } : {}),
        },
      };
      const results = await Promise.allSettled(
        signals.map(s => provider.querySignal(s, query)),
      );
      const read = new Map<SoakSignal, MetricSample[]>();
      const problems: string[] = [];
      results.forEach((result, i) => {
        const signal = signals[i];
        if (result.status === 'rejected') {
          const error = result.reason as Error;
          problems.push(`${signal}: ${error?.message ?? String(error)}`);
          return;
        }
        // Only the current window counts, and a breach is judged once.
        const inWindow = (result.value ?? []).filter(
          s =>
            s.at.getTime() >= windowStart.getTime() &&
            s.at.getTime() <= now.getTime() &&
            (!state.lastBreachAt ||
              s.at.getTime() > state.lastBreachAt.getTime()),
        );
        if (inWindow.length === 0) {
          problems.push(`${signal}: no samples in the soak window`);
          return;
        }
        read.set(signal, inWindow);
      });

      await samples.appendSamples(
        [...read].flatMap(([signal, list]) =>
          list.map(
            (s): SoakSampleRecord => ({
              entityRef: context.entityRef,
              environment: from,
              deploymentId,
              digest: context.artifact.digest,
              signal,
              value: s.value,
              at: s.at,
              source: soak.provider,
            }),
          ),
        ),
      );
      evidence.latest = Object.fromEntries(
        [...read].map(([signal, list]) => {
          const last = list[list.length - 1];
          return [
            signal,
            {
              at: last.at.toISOString(),
              value: Number.isFinite(last.value) ? last.value : null,
            },
          ];
        }),
      );

      const noData = (reason: string): TypedGateEvaluation<SoakEvidence> =>
        soak.onNoData === 'pending'
          ? {
              // Not errored on the evaluation, or evaluateGate would fail it.
              verdict: 'pending',
              reason: `${reason}; waiting (onNoData: pending)`,
              evidence: { ...evidence, errored: true },
            }
          : { verdict: 'failed', errored: true, reason, evidence };

      if (problems.length > 0) {
        evidence.problems = problems;
        return noData(
          `cannot read ${from} metrics from ${soak.provider}: ${problems.join(
            '; ',
          )}`,
        );
      }

      const breach = firstBreach(read, soak.thresholds);
      if (breach) {
        const what = describeBreach(breach);
        await samples.saveSoakState({
          deploymentId,
          windowStartedAt: now,
          lastBreachAt: breach.at,
          lastBreachReason: what,
          updatedAt: now,
        });
        return {
          verdict: 'pending',
          reason: `breach: ${what}; soak restarted`,
          evidence: {
            ...evidence,
            windowStartedAt: now.toISOString(),
            elapsedMs: 0,
            breach: {
              signal: breach.signal,
              value: Number.isFinite(breach.value) ? breach.value : null,
              threshold: breach.threshold,
              at: breach.at.toISOString(),
            },
          },
        };
      }

      if (elapsedMs < soak.windowMs) {
        return {
          verdict: 'pending',
          reason: `soak ${progress(elapsedMs, soak.windowMs)} in ${from}`,
          evidence,
        };
      }

      // A source that went quiet cannot vouch for the end of the window.
      const stale = [...read]
        .filter(
          ([, list]) =>
            now.getTime() - list[list.length - 1].at.getTime() >
            soak.maxSampleAgeMs,
        )
        .map(
          ([signal, list]) =>
            `${signal} has no sample since ${list[
              list.length - 1
            ].at.toISOString()}`,
        );
      if (stale.length > 0) {
        return noData(
          `cannot finish the soak in ${from}: ${stale.join('; ')} (older than ${
            soak.maxSampleAgeMs / 1000
          } s)`,
        );
      }

      const limits = signals
        .map(s => `${s} ≤ ${num(soak.thresholds[s]!)}${unit(s)}`)
        .join(', ');
      return {
        verdict: 'passed',
        reason: `soaked ${span(soak.windowMs)} in ${from} with ${limits}`,
        evidence,
      };
    },
  };
}
