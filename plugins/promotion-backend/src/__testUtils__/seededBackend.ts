import { mockCredentials } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import request from 'supertest';
import { serviceEntity, startPromotionBackend } from './backend';
import { digestOf } from './databases';
import { pipelineApi } from './pipelineApi';
import { pluginTableCounts } from './tableCounts';

/** The service every seeded backend knows. */
export const SEEDED_SERVICE = {
  kind: 'component',
  namespace: 'default',
  name: 'checkout',
  entityRef: 'component:default/checkout',
};

const APPROVERS = 'group:default/approvers';

const config = {
  promotion: {
    pipelines: {
      standard: {
        environments: [
          { name: 'dev', deployer: 'fake' },
          {
            name: 'prod',
            deployer: 'fake',
            gates: [{ name: 'approval', group: APPROVERS }],
          },
        ],
      },
    },
  },
};

/** Callers of the seeded backend: CI (a service) and a person allowed everything. */
export const seededCallers = {
  ci: mockCredentials.service.header(),
  user: mockCredentials.user.header('user:default/alice'),
};

/** Real ids and digests in a seeded backend, for requests that reach the database. */
export interface Seeds {
  digest: string;
  /** A promotion into prod waiting for approval. */
  promotionId: string;
  /** An active freeze of prod for the service. */
  freezeId: string;
  /** The artifact's deployment in dev. */
  deploymentId: string;
  environments: string[];
}

/**
 * Starts the plugin over `knex` with one registered artifact, its promotion
 * into prod pending on an approval, and an active freeze; returns once the
 * engine has stopped writing, so table counts taken next are a baseline.
 */
export async function startSeededBackend(knex: Knex) {
  const backend = await startPromotionBackend({
    knex,
    config,
    entities: [serviceEntity(SEEDED_SERVICE.name)],
    memberships: { 'user:default/alice': [APPROVERS] },
  });
  const base = `/api/promotion/v1/services/${SEEDED_SERVICE.kind}/${SEEDED_SERVICE.namespace}/${SEEDED_SERVICE.name}`;
  const digest = digestOf('seeded');
  const registered = await request(backend.server)
    .post('/api/promotion/v1/artifacts')
    .set('Authorization', seededCallers.ci)
    .send({
      entityRef: SEEDED_SERVICE.entityRef,
      digest,
      version: '1.0.0',
      commit: 'abc123',
      author: 'user:default/bob',
      labels: ['payment'],
    });
  if (registered.status !== 201) {
    throw new Error(`seeding failed: ${registered.status} ${registered.text}`);
  }
  const { lane, waitFor } = pipelineApi({
    server: () => backend.server,
    base,
    auth: seededCallers.user,
  });
  const promotion = await waitFor('the approval gate to wait', async () => {
    const p = (await lane('prod')).promotion;
    return (
      p?.gates.some(
        (g: any) => g.gate === 'approval' && g.verdict === 'pending',
      ) && p
    );
  });
  const freeze = await request(backend.server)
    .post(`${base}/freezes`)
    .set('Authorization', seededCallers.user)
    .send({ environment: 'prod', reason: 'seeded freeze' });
  if (freeze.status !== 201) {
    throw new Error(`seeding failed: ${freeze.status} ${freeze.text}`);
  }
  await settle(knex);
  const deployment = await knex('promotion_deployments')
    .where({ environment: 'dev' })
    .first('id');
  const seeds: Seeds = {
    deploymentId: deployment.id,
    digest,
    promotionId: promotion.id,
    freezeId: freeze.body.id,
    environments: ['dev', 'prod'],
  };
  return { backend, seeds, base };
}

/** Waits until the plugin's tables stop changing (the engine works after a request returns). */
export async function settle(knex: Knex) {
  let previous = JSON.stringify(await pluginTableCounts(knex));
  let still = 0;
  for (let i = 0; i < 200 && still < 3; i++) {
    await new Promise(r => setTimeout(r, 100));
    const current = JSON.stringify(await pluginTableCounts(knex));
    still = current === previous ? still + 1 : 0;
    previous = current;
  }
  if (still < 3) throw new Error('the engine did not settle');
}
