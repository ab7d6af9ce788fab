import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { Knex } from 'knex';
import { readPipelines } from '../config/pipelines';
import { DatabasePromotionStore } from '../database/DatabasePromotionStore';
import { PromotionStore } from '../database/PromotionStore';
import { GateRegistry } from '../gates/GateRegistry';
import { e2eGate, testsGate } from '../gates/testsGate';
import { ManualClock } from '../__testUtils__/clock';
import { createTestDatabases, digestOf } from '../__testUtils__/databases';
import { FakeDeployer } from '../__testUtils__/FakeDeployer';
import { PromotionEngine } from './PromotionEngine';

const SERVICE = 'component:default/checkout';

const pipelines = readPipelines(
  new ConfigReader({
    promotion: {
      pipelines: {
        standard: {
          environments: [
            { name: 'dev', deployer: 'fake', soak: { seconds: 5 } },
            {
              name: 'staging',
              deployer: 'fake',
              soak: { seconds: 10 },
              gates: [{ name: 'tests', suites: ['unit', 'integration'] }],
            },
            {
              name: 'prod',
              deployer: 'fake',
              soak: { seconds: 10 },
              deployTimeout: { seconds: 30 },
              gates: ['e2e'],
            },
          ],
        },
      },
    },
  }),
);

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'PromotionEngine on %p',
  databaseId => {
    let knex: Knex;
    let store: PromotionStore;
    let clock: ManualClock;
    let deployer: FakeDeployer;
    let engine: PromotionEngine;

    function newEngine() {
      const gates = new GateRegistry();
      gates.add(testsGate);
      gates.add(e2eGate);
      return new PromotionEngine({
        store,
        pipelines,
        deployers: new Map([['fake', deployer]]),
        gates,
        logger: mockServices.logger.mock(),
        clock: clock.now,
        timings: { deployPollMs: 1000, gateRecheckMs: 1000 },
      });
    }

    beforeEach(async () => {
      knex = await databases.init(databaseId);
      store = await DatabasePromotionStore.fromKnex(knex);
      clock = new ManualClock();
      deployer = new FakeDeployer();
      engine = newEngine();
    });

    afterEach(async () => {
      await engine.stop();
      await knex.destroy();
    });

    async function register(
      seed: string | number,
      extra: { labels?: string[] } = {},
    ) {
      const { artifact } = await engine.registerArtifact(
        {
          entityRef: SERVICE,
          digest: digestOf(seed),
          pipeline: 'standard',
          version: `1.0.${seed}`,
          commit: `c${seed}`,
          labels: extra.labels ?? [],
          changedPaths: [],
        },
        [],
        'ci',
      );
      await engine.runUntilIdle();
      return artifact;
    }

    /** Moves time in steps, letting the engine act at each one. */
    async function elapse(ms: number, step = 1000) {
      for (let t = 0; t < ms; t += step) {
        clock.advance(step);
        await engine.runUntilIdle();
      }
    }

    async function lane(environment: string) {
      const page = await store.listDeployments(SERVICE, { environment });
      return page.items.map(d => d.state);
    }

    it('deploys a registered artifact to the first environment at once', async () => {
      const artifact = await register(1);
      expect(deployer.calls).toHaveLength(1);
      expect(deployer.calls[0]).toMatchObject({
        environment: 'dev',
        entityRef: SERVICE,
        artifact: expect.objectContaining({ digest: artifact.digest }),
      });
      expect(await lane('dev')).toEqual(['soaking']);
    });

    it('verifies after the soak and waits at the tests gate', async () => {
      await register(1);
      await elapse(4000);
      expect(await lane('dev')).toEqual(['soaking']);
      await elapse(2000);
      expect(await lane('dev')).toEqual(['verified']);
      expect(await lane('staging')).toEqual([]);
      const [promotion] = await store.listPromotions(SERVICE, ['pending']);
      expect(promotion.toEnvironment).toBe('staging');
      const gates = (await store.listGateResults([promotion.id])).get(
        promotion.id,
      );
      expect(gates).toEqual([
        expect.objectContaining({
          gate: 'tests',
          verdict: 'pending',
          reason: 'waiting for unit, integration',
        }),
      ]);
    });

    it('moves the same digest through every environment once the gates pass', async () => {
      const artifact = await register(7);
      for (const suite of ['unit', 'integration'] as const) {
        await store.addTestResult(
          artifact,
          { suite, status: 'passed' },
          'ci',
          clock.now(),
        );
      }
      await elapse(6000);
      expect(await lane('staging')).toEqual(['soaking']);
      await elapse(11000);
      expect(await lane('staging')).toEqual(['verified']);
      expect(await lane('prod')).toEqual([]);
      // Waiting for a report costs nothing until the report comes.
      const [waiting] = await store.listPromotions(SERVICE, ['pending']);
      const due = await knex('promotion_promotions')
        .where({ id: waiting.id })
        .first();
      expect(new Date(due.next_check_at).getUTCFullYear()).toBe(9999);
      await engine.reportTestResult(
        artifact,
        { suite: 'e2e', environment: 'staging', status: 'passed' },
        'ci',
      );
      await elapse(12000);
      expect(await lane('prod')).toEqual(['verified']);
      expect(new Set(deployer.calls.map(c => c.artifact.digest))).toEqual(
        new Set([artifact.digest]),
      );
      expect(deployer.calls.map(c => c.environment)).toEqual([
        'dev',
        'staging',
        'prod',
      ]);
      const events = await store.listEvents(SERVICE, {
        kind: 'deployment',
        limit: 100,
      });
      expect(
        events.items.map(e => `${e.environment}:${e.kind}`).reverse(),
      ).toEqual([
        'dev:deployment.queued',
        'dev:deployment.deploying',
        'dev:deployment.soaking',
        'dev:deployment.verified',
        'staging:deployment.queued',
        'staging:deployment.deploying',
        'staging:deployment.soaking',
        'staging:deployment.verified',
        'prod:deployment.queued',
        'prod:deployment.deploying',
        'prod:deployment.soaking',
        'prod:deployment.verified',
      ]);
    });

    it.each([
      [
        'a failed suite',
        { suite: 'integration', status: 'failed' },
        'failed',
        'integration failed',
      ],
      [
        'a missing suite',
        { suite: 'unit', status: 'passed' },
        'pending',
        'waiting for integration',
      ],
    ] as const)(
      'blocks promotion on %s',
      async (_name, result, verdict, reason) => {
        const artifact = await register(2);
        await store.addTestResult(artifact, result, 'ci', clock.now());
        await elapse(8000);
        expect(await lane('staging')).toEqual([]);
        const [promotion] = await store.listPromotions(SERVICE, ['pending']);
        const [gate] = (await store.listGateResults([promotion.id])).get(
          promotion.id,
        )!;
        expect(gate).toMatchObject({ verdict, reason });
      },
    );

    it('lets a newer artifact supersede one still in flight', async () => {
      deployer.pollsUntilReady = 100;
      await register(1);
      await register(2);
      expect(
        (await store.listDeployments(SERVICE, { environment: 'dev' })).items
          .map(d => d.state)
          .sort(),
      ).toEqual(['deploying', 'superseded']);
    });

    it('fails a deployment the deployer reports failed and promotes nothing', async () => {
      deployer.setOutcome(digestOf(3), {
        state: 'failed',
        reason: 'image pull failed',
      });
      await register(3);
      const [deployment] = (await store.listDeployments(SERVICE)).items;
      expect(deployment).toMatchObject({
        state: 'failed',
        reason: 'image pull failed',
      });
      await elapse(10000);
      expect(await store.listPromotions(SERVICE, ['pending'])).toEqual([]);
    });

    it('fails closed when the deployer never finishes', async () => {
      deployer.pollsUntilReady = Number.MAX_SAFE_INTEGER;
      const artifact = await register(4);
      for (const suite of ['unit', 'integration'] as const) {
        await store.addTestResult(
          artifact,
          { suite, status: 'passed' },
          'ci',
          clock.now(),
        );
      }
      await elapse(11 * 60_000, 10_000);
      const [deployment] = (await store.listDeployments(SERVICE)).items;
      expect(deployment.state).toBe('failed');
      expect(deployment.reason).toMatch(/did not finish within 600 s/);
    });

    it('retries a deployer that throws, with the same idempotency key', async () => {
      let failures = 2;
      const original = deployer.deploy.bind(deployer);
      deployer.deploy = async request => {
        if (failures-- > 0) {
          deployer.calls.push(request);
          throw new Error('connection refused');
        }
        return original(request);
      };
      await register(5);
      await elapse(20000);
      const keys = new Set(deployer.calls.map(c => c.idempotencyKey));
      expect(keys.size).toBe(1);
      expect(await lane('dev')).toEqual(['verified']);
    });

    it('resumes from the database after a crash between claim and deploy', async () => {
      const artifact = await register(6);
      // A second engine (the restarted backend) picks up where the first left.
      const [deployment] = (await store.listDeployments(SERVICE)).items;
      await knex('promotion_deployments')
        .where({ id: deployment.id })
        .update({
          state: 'deploying',
          deploy_accepted_at: null,
          lease_ticket: 'dead-worker',
          lease_expires_at: new Date(clock.now().getTime() + 1000),
        });
      await engine.stop();
      engine = newEngine();
      clock.advance(500);
      await engine.runUntilIdle();
      expect((await store.getDeployment(deployment.id))!.state).toBe(
        'deploying',
      );
      clock.advance(61_000);
      await engine.runUntilIdle();
      await elapse(6000);
      expect((await store.getDeployment(deployment.id))!.state).toBe(
        'verified',
      );
      expect(new Set(deployer.calls.map(c => c.idempotencyKey))).toEqual(
        new Set([deployment.id]),
      );
      expect(artifact.digest).toBe(digestOf(6));
    });
  },
);
