import {
  DatabaseService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { Knex } from 'knex';
import { PipelineConfig } from '../config/pipelines';
import { DatabasePromotionStore } from '../database/DatabasePromotionStore';
import { PromotionRecord } from '../database/PromotionStore';
import { AuthorizedService, Caller } from '../service/access';
import { ManualClock } from './clock';
import { digestOf } from './databases';

/** A pipeline of two environments, enough for the human-action commands. */
export const PIPELINE: PipelineConfig = {
  name: 'standard',
  environments: ['staging', 'prod'].map(name => ({
    name,
    deployer: 'fake',
    autoPromote: true,
    soakMs: 0,
    deployTimeoutMs: 60_000,
    gates: [],
    variables: {},
    secrets: [],
  })),
};

/** A signed-in person, as a route would resolve them. */
export function personCaller(ref: string): Caller {
  return {
    credentials: mockCredentials.user(ref),
    actor: ref,
    isPerson: true,
  };
}

/** The permission policy allowing or denying everything. */
export function policy(result: AuthorizeResult.ALLOW | AuthorizeResult.DENY) {
  return mockServices.permissions({ result }) as PermissionsService;
}

/**
 * {@link AuthorizedService} without a catalog: every entity is a service on
 * {@link PIPELINE}; `deny` lists the entities the caller may not act on. The
 * calls are kept for assertions.
 */
export function fakeAuthorizedService(deny: string[] = []) {
  const calls: Array<{ actor: string; permission: string; entityRef: string }> =
    [];
  const authorizedService: AuthorizedService = async (
    caller,
    permission,
    entityRef,
  ) => {
    calls.push({ actor: caller.actor, permission: permission.name, entityRef });
    if (deny.includes(entityRef)) {
      throw new NotAllowedError(
        `${caller.actor} is not allowed ${permission.name} on ${entityRef}`,
      );
    }
    return { entityRef, pipeline: PIPELINE };
  };
  return { authorizedService, calls };
}

/** A store on a fresh test database, a manual clock and a wake-up counter. */
export async function commandFixture(knex: Knex) {
  const store = await DatabasePromotionStore.create({
    database: { getClient: async () => knex } as DatabaseService,
  });
  const clock = new ManualClock('2026-12-06T10:00:00Z');
  const wakes = { count: 0 };
  /** Registers an artifact of `entityRef` waiting (pending) to enter `environment`. */
  async function waiting(
    entityRef: string,
    seed: string,
    environment = 'prod',
  ): Promise<PromotionRecord> {
    const { artifact } = await store.registerArtifact(
      {
        entityRef,
        digest: digestOf(seed),
        pipeline: PIPELINE.name,
        version: `1.0.0-${seed}`,
        commit: seed,
        labels: [],
        changedPaths: [],
      },
      [],
      'service:ci',
      clock.now(),
    );
    return store.createPromotion(
      {
        entityRef,
        artifactId: artifact.id,
        digest: artifact.digest,
        toEnvironment: environment,
        trigger: 'merge',
        actor: 'service:ci',
      },
      clock.now(),
    );
  }
  /** When each promotion is next due, by id. */
  async function dueTimes(): Promise<Record<string, number>> {
    const rows = await knex('promotion_promotions').select(
      'id',
      'next_check_at',
    );
    return Object.fromEntries(
      rows.map(r => [r.id, new Date(r.next_check_at).getTime()]),
    );
  }
  const events = async (kind?: string) =>
    (
      await knex('promotion_events')
        .where(kind ? { kind } : {})
        .orderBy('id')
    ).map(e => ({
      entityRef: e.entity_ref,
      environment: e.environment ?? undefined,
      kind: e.kind,
      actor: e.actor,
      details: JSON.parse(e.details ?? '{}'),
    }));
  return {
    store,
    clock,
    wakes,
    wake: () => {
      wakes.count++;
    },
    waiting,
    dueTimes,
    events,
  };
}
