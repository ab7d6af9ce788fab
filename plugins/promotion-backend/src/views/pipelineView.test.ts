import { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import { PipelineConfig } from '../config/pipelines';
import { createTestDatabases } from '../__testUtils__/databases';
import { DatabasePromotionStore } from '../database/DatabasePromotionStore';
import { ViewStore } from '../database/ViewStore';
import { buildPipelineView, RECENT_DEPLOYMENTS } from './pipelineView';

/*
 * The pipeline view reads a fixed number of queries whatever the size of a
 * service's history (no timing here: bench/pipeline-view.js measures), and
 * still finds what it shows: the serving deployment, the warm previous one
 * (never of an artifact marked bad) and the newest deployments.
 */

const databases = createTestDatabases();
jest.setTimeout(60_000);

const env = (name: string) => ({
  name,
  deployer: 'fake',
  autoPromote: true,
  soakMs: 0,
  deployTimeoutMs: 60_000,
  gates: [],
  variables: {},
  secrets: [],
});
const pipeline: PipelineConfig = {
  name: 'standard',
  environments: [env('dev'), env('prod')],
};
const NOW = new Date('2026-12-06T12:00:00Z');

/**
 * `releases` past deployments of `name` in prod, an hour apart, oldest first:
 * the newest verified, the others superseded after being verified; the one
 * before the newest is of an artifact marked bad. Returns the deployment ids,
 * oldest first.
 */
async function seed(knex: Knex, name: string, releases: number) {
  const entityRef = `component:default/${name}`;
  const ids: string[] = [];
  const artifacts = [];
  const deployments = [];
  for (let i = 0; i < releases; i++) {
    const at = new Date(NOW.getTime() - (releases - i) * 3_600_000);
    const artifactId = randomUUID();
    const bad = i === releases - 2;
    artifacts.push({
      id: artifactId,
      entity_ref: entityRef,
      digest: `sha256:${String(i).padStart(64, '0')}`,
      pipeline: 'standard',
      version: `1.0.${i}`,
      commit: `c${i}`,
      author: null,
      labels: '[]',
      changed_paths: '[]',
      migration: null,
      bad,
      bad_reason: bad ? 'broken' : null,
      registered_at: at,
    });
    const id = randomUUID();
    ids.push(id);
    const newest = i === releases - 1;
    deployments.push({
      id,
      entity_ref: entityRef,
      environment: 'prod',
      artifact_id: artifactId,
      promotion_id: null,
      state: newest ? 'verified' : 'superseded',
      trigger: 'merge',
      actor: 'test',
      reason: null,
      deploy_calls: 1,
      attempts: 0,
      lease_ticket: null,
      lease_expires_at: null,
      next_check_at: at,
      deploy_started_at: at,
      deploy_accepted_at: at,
      reported_state: null,
      reported_reason: null,
      healthy_at: at,
      verified_at: at,
      state_since: at,
      created_at: at,
    });
  }
  for (let i = 0; i < releases; i += 200) {
    await knex('promotion_artifacts').insert(artifacts.slice(i, i + 200));
    await knex('promotion_deployments').insert(deployments.slice(i, i + 200));
  }
  return { entityRef, ids };
}

describe.each(databases.eachSupportedId())('pipeline view on %p', id => {
  let knex: Knex;
  let store: DatabasePromotionStore;
  let views: ViewStore;

  beforeAll(async () => {
    knex = await databases.init(id);
    store = await DatabasePromotionStore.fromKnex(knex);
    views = new ViewStore(knex);
  });
  afterAll(() => knex.destroy());

  /** Builds the view, counting the statements it sends. */
  async function build(entityRef: string) {
    let queries = 0;
    const count = () => {
      queries++;
    };
    knex.on('query', count);
    try {
      const view = await buildPipelineView(
        { store, views },
        entityRef,
        pipeline,
        NOW,
      );
      return { view, queries };
    } finally {
      knex.removeListener('query', count);
    }
  }

  it('reads as many statements for 600 deployments as for 4, and shows the same kind of lanes', async () => {
    const small = await seed(knex, 'small', 4);
    const large = await seed(knex, 'large', 600);
    const a = await build(small.entityRef);
    const b = await build(large.entityRef);
    expect(b.queries).toBe(a.queries);

    for (const [{ ids }, { view }, releases] of [
      [small, a, 4],
      [large, b, 600],
    ] as const) {
      const prod = view.environments.find(e => e.name === 'prod')!;
      expect(prod.current?.id).toBe(ids[releases - 1]);
      // The one before it is of a bad artifact: the warm one is older.
      expect(prod.previous?.id).toBe(ids[releases - 3]);
      expect(view.environments.find(e => e.name === 'dev')).toEqual(
        expect.objectContaining({ current: undefined, previous: undefined }),
      );
      expect(view.recentDeployments.map(d => d.id)).toEqual(
        ids.slice(-RECENT_DEPLOYMENTS).reverse(),
      );
    }
  });
});
