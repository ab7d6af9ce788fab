import type { Gate } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { PipelineConfigError, Pipelines } from '../config/pipelines';
import { PromotionStore } from '../database/PromotionStore';
import { createLaneReads } from '../database/laneReads';
import { createApprovalGate } from './approvalGate';
import { migrationGate } from './migrationGate';
import { e2eGate, testsGate } from './testsGate';
import { Calendars, createWindowGate, resolveWindowCalendar } from './window';

/** The gates every installation has; modules may add more. */
export function createBuiltInGates(options: {
  store: PromotionStore;
  calendars: Calendars;
}): Gate[] {
  const { store, calendars } = options;
  // Batched: the lanes of one pass read approvals and freezes together.
  const reads = createLaneReads(store);
  return [
    testsGate,
    e2eGate,
    migrationGate,
    createApprovalGate({
      listApprovals: id => reads.approvals(id),
    }),
    createWindowGate({
      calendars,
      listActiveFreezes: async (entityRef, environment) =>
        (await reads.freezes({ entityRef, environment })).map(f => ({
          ...f,
          entityRef: f.entityRef ?? null,
          createdAt: new Date(f.createdAt),
        })),
    }),
  ];
}

/** A window gate naming an unknown calendar stops start-up instead of failing later. */
export function validateWindowGates(
  pipelines: Pipelines,
  calendars: Calendars,
) {
  for (const pipeline of pipelines.values()) {
    pipeline.environments.forEach((env, i) =>
      env.gates.forEach((gate, g) => {
        if (gate.name !== 'window') return;
        try {
          resolveWindowCalendar(gate.options, calendars);
        } catch (error) {
          throw new PipelineConfigError(
            `promotion.pipelines.${pipeline.name}.environments[${i}].gates[${g}]`,
            (error as Error).message,
          );
        }
      }),
    );
  }
}
