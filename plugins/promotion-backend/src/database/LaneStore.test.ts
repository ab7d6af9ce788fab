import { DatabaseService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { createTestDatabases, digestOf } from '../__testUtils__/databases';
import { DatabasePromotionStore } from './DatabasePromotionStore';
import { LaneStore, laneKey } from './LaneStore';
import { createLaneReads } from './laneReads';
import { ArtifactRecord, PromotionRecord } from './PromotionStore';

const databases = createTestDatabases();

const NOW = new Date('2026-12-06T10:00:00Z');
const LATER = new Date('2026-12-06T10:05:00Z');
const service = (i: number) => `component:default/lane-${i}`;

describe.each(databases.eachSupportedId())('LaneStore on %p', databaseId => {
  let knex: Knex;
  let store: DatabasePromotionStore;
  let lanes: LaneStore;

  beforeEach(async () => {
    knex = await databases.init(databaseId);
    store = await DatabasePromotionStore.create({
      database: { getClient: async () => knex } as DatabaseService,
    });
    lanes = store.lanes();
  });

  async function artifactOf(i: number, seed = 'a'): Promise<ArtifactRecord> {
    const { artifact } = await store.registerArtifact(
      {
        entityRef: service(i),
        digest: digestOf(`${seed}-${i}`),
        pipeline: 'default',
        version: '1.0.0',
        commit: 'abc123',
        labels: [],
        changedPaths: [],
      },
      [],
      'ci',
      NOW,
    );
    return artifact;
  }

  async function deploymentOf(
    artifact: ArtifactRecord,
    environment: string,
    state: string,
    at: Date,
  ) {
    const deployment = await store.createDeployment(
      {
        entityRef: artifact.entityRef,
        environment,
        artifactId: artifact.id,
        trigger: 'merge',
        actor: 'ci',
      },
      { actor: 'ci', digest: artifact.digest },
      at,
    );
    // Fixture rows: the states a lane's history has, without its path.
    await knex('promotion_deployments')
      .where({ id: deployment.id })
      .update({ state });
    return deployment.id;
  }

  async function pendingPromotion(
    artifact: ArtifactRecord,
  ): Promise<PromotionRecord> {
    return store.createPromotion(
      {
        entityRef: artifact.entityRef,
        artifactId: artifact.id,
        digest: artifact.digest,
        toEnvironment: 'prod',
        trigger: 'merge',
        actor: 'ci',
      },
      NOW,
    );
  }

  it('reads the newest verified deployment of every lane in one statement', async () => {
    const first = await artifactOf(1);
    const second = await artifactOf(1, 'b');
    const other = await artifactOf(2);
    await deploymentOf(first, 'prod', 'verified', NOW);
    const newest = await deploymentOf(second, 'prod', 'verified', LATER);
    await deploymentOf(other, 'prod', 'failed', LATER);
    const staging = await deploymentOf(other, 'staging', 'verified', NOW);

    const found = await lanes.verifiedDeployments([
      { entityRef: service(1), environment: 'prod' },
      { entityRef: service(2), environment: 'prod' },
      { entityRef: service(2), environment: 'staging' },
    ]);

    expect(
      Object.fromEntries([...found].map(([key, d]) => [key, d.id])),
    ).toEqual({
      [laneKey({ entityRef: service(1), environment: 'prod' })]: newest,
      [laneKey({ entityRef: service(2), environment: 'staging' })]: staging,
    });
  });

  it('gives each lane its own and the all-service freezes, not lifted ones or other environments', async () => {
    const decisions = store.decisions();
    const freeze = (entityRef: string | undefined, environment: string) =>
      decisions.createFreeze(
        {
          entityRef,
          originEntityRef: service(1),
          environment,
          reason: 'incident',
          createdBy: 'user:default/alice',
        },
        NOW,
      );
    const own = await freeze(service(1), 'prod');
    const everyone = await freeze(undefined, 'prod');
    await freeze(service(1), 'staging');
    const lifted = await freeze(service(2), 'prod');
    await knex('promotion_freezes')
      .where({ id: lifted.id })
      .update({ lifted_at: LATER });

    const found = await lanes.activeFreezes([
      { entityRef: service(1), environment: 'prod' },
      { entityRef: service(2), environment: 'prod' },
    ]);

    const ids = (entityRef: string) =>
      found.get(laneKey({ entityRef, environment: 'prod' }))!.map(f => f.id);
    expect(ids(service(1)).sort()).toEqual([own.id, everyone.id].sort());
    expect(ids(service(2))).toEqual([everyone.id]);
  });

  it('saves the verdicts of many promotions at once, with an event only where a verdict or reason changed', async () => {
    const promotions = [
      await pendingPromotion(await artifactOf(1)),
      await pendingPromotion(await artifactOf(2)),
    ];
    const verdict = (reason: string) => ({
      gate: 'window',
      verdict: 'pending' as const,
      errored: false,
      reason,
      evaluatedAt: LATER.toISOString(),
    });
    const eventCount = async () =>
      Number(
        (
          await knex('promotion_events')
            .where({ kind: 'gate.verdict' })
            .count({ n: '*' })
        )[0].n,
      );

    await lanes.saveGateResults(
      promotions.map(promotion => ({
        promotion,
        digest: 'sha256:x',
        results: [verdict('frozen')],
        stored: [],
      })),
    );
    expect(await eventCount()).toBe(2);
    const stored = await lanes.gateResults(promotions.map(p => p.id));
    expect(stored.get(promotions[0].id)).toEqual([verdict('frozen')]);

    await lanes.saveGateResults([
      {
        promotion: promotions[0],
        digest: 'sha256:x',
        results: [verdict('frozen')],
        stored: stored.get(promotions[0].id)!,
      },
      {
        promotion: promotions[1],
        digest: 'sha256:x',
        results: [verdict('lifted')],
        stored: stored.get(promotions[1].id)!,
      },
    ]);
    expect(await eventCount()).toBe(3);
    expect(
      (await lanes.gateResults([promotions[1].id])).get(promotions[1].id),
    ).toEqual([verdict('lifted')]);
  });

  it('releases only its own claims, each with its due time, keeping a wake that came during the evaluation', async () => {
    const promotions = [
      await pendingPromotion(await artifactOf(1)),
      await pendingPromotion(await artifactOf(2)),
      await pendingPromotion(await artifactOf(3)),
    ];
    const claimed = await store.claimPromotions(NOW, 'mine', 60_000, 2);
    expect(claimed).toHaveLength(2);
    const [woken, quiet] = claimed;
    const notMine = promotions.find(p => !claimed.some(c => c.id === p.id))!;
    // A wake in the same millisecond as the claim still counts.
    const wokenAt = NOW;
    const due = new Date(NOW.getTime() + 60_000);
    await store.wakePromotions({ entityRef: woken.entityRef }, wokenAt);

    await lanes.releasePromotions(
      [
        { id: woken.id, nextCheckAt: due, wakes: woken.wakes },
        { id: quiet.id, nextCheckAt: due, wakes: quiet.wakes },
        { id: notMine.id, nextCheckAt: due, wakes: notMine.wakes },
      ],
      'mine',
    );

    const after = async (id: string) => (await store.getPromotion(id))!;
    expect((await after(woken.id)).nextCheckAt).toEqual(wokenAt);
    expect((await after(quiet.id)).nextCheckAt).toEqual(due);
    expect((await after(notMine.id)).nextCheckAt).toEqual(NOW);
    const leases = await knex('promotion_promotions')
      .whereIn(
        'id',
        claimed.map(c => c.id),
      )
      .whereNotNull('lease_ticket');
    expect(leases).toEqual([]);
  });

  it('promotes many at once with the rows and events of one transition each, leaving a cancelled one alone', async () => {
    const [going, cancelled] = [
      await pendingPromotion(await artifactOf(1)),
      await pendingPromotion(await artifactOf(2)),
    ];
    await store.transitionPromotion(
      cancelled,
      'cancelled',
      { actor: 'user:default/alice', digest: 'sha256:x' },
      NOW,
    );
    const go = (promotion: PromotionRecord, deploymentId: string) => ({
      promotion,
      digest: digestOf(promotion.entityRef),
      deploymentId,
      actor: 'engine',
      reason: 'all gates passed',
      now: LATER,
    });

    expect(
      await lanes.promote([go(going, 'dep-1'), go(cancelled, 'dep-2')]),
    ).toEqual([true, false]);

    const promoted = (await store.getPromotion(going.id))!;
    expect(promoted).toMatchObject({
      state: 'promoted',
      deploymentId: 'dep-1',
      reason: 'all gates passed',
      updatedAt: LATER,
    });
    expect((await store.getPromotion(cancelled.id))!.state).toBe('cancelled');
    const deployments = await knex('promotion_deployments').orderBy('id');
    expect(deployments.map(d => [d.id, d.state, d.promotion_id])).toEqual([
      ['dep-1', 'queued', going.id],
    ]);
    const events = await knex('promotion_events')
      .whereIn('kind', ['promotion.promoted', 'deployment.queued'])
      .orderBy('id');
    expect(
      events.map(e => [e.kind, e.actor, JSON.parse(e.details).deploymentId]),
    ).toEqual([
      ['promotion.promoted', 'engine', 'dep-1'],
      ['deployment.queued', 'ci', 'dep-1'],
    ]);
  });

  it('writes the verdicts that let a promotion go in the same transaction, their events first', async () => {
    const promotion = await pendingPromotion(await artifactOf(1));
    const passed = {
      gate: 'window',
      verdict: 'passed' as const,
      errored: false,
      reason: 'open',
      evaluatedAt: LATER.toISOString(),
    };

    await lanes.promote([
      {
        promotion,
        digest: 'sha256:x',
        deploymentId: 'dep-1',
        actor: 'engine',
        reason: 'all gates passed',
        now: LATER,
        verdicts: {
          promotion,
          digest: 'sha256:x',
          results: [passed],
          stored: [],
        },
      },
    ]);

    expect((await lanes.gateResults([promotion.id])).get(promotion.id)).toEqual(
      [passed],
    );
    const kinds = await knex('promotion_events')
      .whereIn('kind', ['gate.verdict', 'promotion.promoted'])
      .orderBy('id')
      .pluck('kind');
    expect(kinds).toEqual(['gate.verdict', 'promotion.promoted']);
  });

  it('serves the reads of lanes evaluated together from one statement per kind', async () => {
    const artifacts = await Promise.all(
      Array.from({ length: 30 }, (_, i) => artifactOf(i)),
    );
    const reads = createLaneReads(store);
    const statements: string[] = [];
    const onQuery = (query: { sql: string }) => statements.push(query.sql);
    knex.on('query', onQuery);
    try {
      const snapshots = await Promise.all(
        artifacts.map(async artifact => {
          const lane = { entityRef: artifact.entityRef, environment: 'prod' };
          const [found, verified, holds, freezes, tests] = await Promise.all([
            reads.artifact(artifact.id),
            reads.verifiedIn(lane),
            reads.holds(lane),
            reads.freezes(lane),
            reads.testResults(artifact.id),
          ]);
          return { found, verified, holds, freezes, tests };
        }),
      );
      expect(snapshots.map(s => s.found?.id)).toEqual(artifacts.map(a => a.id));
      expect(snapshots.every(s => s.verified === undefined)).toBe(true);
    } finally {
      knex.removeListener('query', onQuery);
    }
    expect(statements).toHaveLength(5);
  });
});
