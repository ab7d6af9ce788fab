import { mockCredentials } from '@backstage/backend-test-utils';
import webhookDeployerModule, {
  signWebhookBody,
  WebhookDeployPayload,
} from '@promotion-pipeline/backstage-plugin-promotion-backend-module-webhook-deployer';
import { Knex } from 'knex';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { v4 as uuid } from 'uuid';
import { serviceEntity, startPromotionBackend } from '../__testUtils__/backend';
import { ManualClock } from '../__testUtils__/clock';
import { createTestDatabases, digestOf } from '../__testUtils__/databases';
import {
  DeployAnswer,
  postStatusCallback,
  startWebhookDeploySystem,
} from '../__testUtils__/webhookDeploySystem';

/*
 * The webhook deployer's default (push) mode end to end over real HTTP: the
 * real plugin with the real webhook deployer module, and a deploy system on
 * 127.0.0.1 that checks the deploy request's signature, answers it, and calls
 * the backend back with a signed status callback, as docs/webhook-deployer.md
 * tells deploy systems to do.
 */

const SECRET = 'shared-deploy-webhook-secret';
const SERVICE = 'component:default/checkout';
const DEPLOYMENTS =
  '/api/promotion/v1/services/component/default/checkout/deployments';
const alice = mockCredentials.user.header('user:default/alice');
const ci = mockCredentials.service.header();

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'webhook status callbacks on %p',
  databaseId => {
    let knex: Knex;
    let backend: Awaited<ReturnType<typeof startPromotionBackend>>;
    let backendUrl: string;
    let deploySystem: Awaited<ReturnType<typeof startWebhookDeploySystem>>;
    const cleanup: Array<() => Promise<void>> = [];

    afterEach(async () => {
      for (const step of cleanup.splice(0)) await step();
    });

    /** The backend with the webhook deployer pointed at a deploy system that answers as given. */
    async function start(
      answer: (payload: WebhookDeployPayload) => DeployAnswer,
      options: { clock?: ManualClock; poll?: boolean } = {},
    ) {
      knex = await databases.init(databaseId);
      cleanup.push(() => knex.destroy());
      deploySystem = await startWebhookDeploySystem({ secret: SECRET, answer });
      cleanup.unshift(() => deploySystem.close());
      backend = await startPromotionBackend({
        knex,
        entities: [serviceEntity('checkout')],
        clock: options.clock?.now,
        features: [webhookDeployerModule],
        config: {
          promotion: {
            deployers: {
              webhook: {
                url: deploySystem.url,
                ...(options.poll ? { statusUrl: deploySystem.statusUrl } : {}),
                signingSecret: SECRET,
                retries: 0,
                timeout: '5s',
              },
            },
            pipelines: {
              standard: {
                environments: [
                  { name: 'dev', deployer: 'webhook', deployTimeout: '10m' },
                ],
              },
            },
          },
        },
      });
      cleanup.unshift(() => backend.stop());
      const { port } = backend.server.address() as AddressInfo;
      backendUrl = `http://127.0.0.1:${port}`;
    }

    /** CI registers an artifact; the engine deploys it to dev at once. */
    async function merge(seed: number) {
      const res = await request(backend.server)
        .post('/api/promotion/v1/artifacts')
        .set('Authorization', ci)
        .send({
          entityRef: SERVICE,
          digest: digestOf(seed),
          version: `1.0.${seed}`,
          commit: `c${seed}`,
        });
      expect(res.status).toBe(201);
    }

    async function deployments(): Promise<any[]> {
      const res = await request(backend.server)
        .get(DEPLOYMENTS)
        .set('Authorization', alice);
      expect(res.status).toBe(200);
      return res.body.items;
    }

    /** Runs engine passes (as the scheduler would) until `probe` holds. */
    async function waitFor<T>(
      what: string,
      probe: () => Promise<T | undefined | false>,
    ): Promise<T> {
      const deadline = Date.now() + 20_000;
      for (;;) {
        await backend.tick();
        const value = await probe();
        if (value) return value;
        if (Date.now() > deadline) {
          throw new Error(
            `timed out waiting for ${what}: ${JSON.stringify(
              await deployments(),
            )}`,
          );
        }
        await new Promise(r => setTimeout(r, 25));
      }
    }

    const deploymentIn = (...states: string[]) =>
      waitFor(`a deployment in ${states.join(' or ')}`, async () => {
        const [latest] = await deployments();
        return latest && states.includes(latest.state) && latest;
      });

    /** The id the deploy system was handed, once the deploy request arrived. */
    const handedOver = () =>
      waitFor('the deploy request', async () =>
        deploySystem.received.length > 0
          ? deploySystem.received[0].deploymentId
          : undefined,
      );

    const callback = (
      deploymentId: string,
      body: string,
      extra: { timestamp?: number; signature?: string; secret?: string } = {},
    ) =>
      postStatusCallback({
        backendUrl,
        deploymentId,
        body,
        secret: SECRET,
        ...extra,
      });

    /** What the database holds about the deployment, to prove a refused callback wrote nothing. */
    async function stored(id: string) {
      const row = await knex('promotion_deployments').where({ id }).first();
      const reported = await knex('promotion_events').where({
        kind: 'deployment.reported',
      });
      return {
        state: row.state,
        reportedState: row.reported_state,
        reportedEvents: reported.length,
      };
    }

    it('takes a signed callback without a Backstage token and moves the deployment on', async () => {
      let answered: (answer: { status: number; body: any }) => void;
      const callbackAnswer = new Promise<{ status: number; body: any }>(
        resolve => {
          answered = resolve;
        },
      );
      await start(payload => ({
        status: 202,
        // A real deploy system reports once the rollout is done, signed.
        then: async () =>
          answered(
            await callback(
              payload.deploymentId,
              '{"status":"succeeded", "reason":"rolled out 3/3 pods"}',
            ),
          ),
      }));
      await merge(1);
      const answer = await callbackAnswer;
      expect(answer.status).toBe(202);
      const id = deploySystem.received[0].deploymentId;
      expect(answer.body).toEqual({
        deploymentId: id,
        status: 'succeeded',
        recorded: true,
      });

      const verified = await deploymentIn('verified');
      expect(verified).toMatchObject({
        id,
        artifact: { digest: digestOf(1) },
      });
      const events = await knex('promotion_events')
        .where({ kind: 'deployment.reported' })
        .select('actor', 'details');
      expect(events).toHaveLength(1);
      expect(events[0].actor).toBe('deployer:webhook');
      expect(JSON.parse(events[0].details)).toMatchObject({
        deploymentId: id,
        status: 'succeeded',
        reason: 'rolled out 3/3 pods',
      });

      // The deploy system retries: the same final status again is harmless.
      const repeat = await callback(id, '{"status":"succeeded"}');
      expect(repeat.status).toBe(202);
      expect(repeat.body.recorded).toBe(false);
      // A contradiction after the end is refused.
      const late = await callback(id, '{"status":"failed","reason":"oops"}');
      expect(late.status).toBe(409);
      expect(late.body.error.name).toBe('ConflictError');
      expect(deploySystem.received).toHaveLength(1);
    });

    it('fails the deployment with the reason a failure callback gives', async () => {
      await start(() => ({ status: 202 }));
      await merge(2);
      const id = await handedOver();
      await deploymentIn('deploying');

      const running = await callback(
        id,
        '{"status":"running","reason":"2/3 pods ready"}',
      );
      expect(running.status).toBe(202);
      const failed = await callback(
        id,
        '{"status":"failed","reason":"image pull backoff"}',
      );
      expect(failed.status).toBe(202);

      const deployment = await deploymentIn('failed');
      expect(deployment.reason).toBe(
        'deploy system reported failure: image pull backoff',
      );
      // Failed is final: the deploy system cannot take it back.
      const back = await callback(id, '{"status":"succeeded"}');
      expect(back.status).toBe(409);
    });

    it('refuses a bad signature with 401 and writes nothing', async () => {
      await start(() => ({ status: 202 }));
      await merge(3);
      const id = await handedOver();
      await deploymentIn('deploying');
      const before = await stored(id);

      const body = '{"status":"succeeded"}';
      const forged = await callback(id, body, { secret: 'guessed-secret' });
      expect(forged.status).toBe(401);
      expect(forged.body.error).toMatchObject({
        name: 'AuthenticationError',
      });
      const garbage = await callback(id, body, { signature: 'sha256=abc' });
      expect(garbage.status).toBe(401);
      // The signature covers the bytes: the same JSON re-spaced does not verify.
      const timestamp = Math.floor(Date.now() / 1000);
      const respaced = await callback(id, '{ "status": "succeeded" }', {
        timestamp,
        signature: signWebhookBody(SECRET, timestamp, body),
      });
      expect(respaced.status).toBe(401);
      const unsigned = await fetch(
        `${backendUrl}/api/promotion/v1/deployments/${id}/status`,
        {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body,
        },
      );
      expect(unsigned.status).toBe(401);
      expect((await unsigned.json()).error.name).toBe('AuthenticationError');

      await backend.tick();
      expect(await stored(id)).toEqual(before);
      expect(before).toMatchObject({
        state: 'deploying',
        reportedState: null,
        reportedEvents: 0,
      });
    });

    it('refuses a stale or future timestamp with 401', async () => {
      await start(() => ({ status: 202 }));
      await merge(4);
      const id = await handedOver();
      await deploymentIn('deploying');
      const now = Math.floor(Date.now() / 1000);

      const stale = await callback(id, '{"status":"succeeded"}', {
        timestamp: now - 6 * 60,
      });
      expect(stale.status).toBe(401);
      const future = await callback(id, '{"status":"succeeded"}', {
        timestamp: now + 6 * 60,
      });
      expect(future.status).toBe(401);
      expect(await stored(id)).toMatchObject({
        state: 'deploying',
        reportedState: null,
        reportedEvents: 0,
      });
    });

    it('answers 404 only to a valid signature on an unknown deployment', async () => {
      await start(() => ({ status: 202 }));
      const unknown = uuid();

      const valid = await callback(unknown, '{"status":"succeeded"}');
      expect(valid.status).toBe(404);
      expect(valid.body.error).toMatchObject({ name: 'NotFoundError' });
      // Without the secret nobody learns whether an id exists.
      const forged = await callback(unknown, '{"status":"succeeded"}', {
        secret: 'guessed-secret',
      });
      expect(forged.status).toBe(401);
    });

    it('answers a malformed id or body with 400 JSON, never 500', async () => {
      await start(() => ({ status: 202 }));
      for (const id of ['not-a-uuid', '%00', `${uuid()}%00`]) {
        const res = await callback(id, '{"status":"succeeded"}');
        expect(res.status).toBe(400);
        expect(res.body.error).toBeDefined();
      }
      for (const body of [
        '{"status":"done"}',
        `{"status":"failed","reason":"${'x'.repeat(2001)}"}`,
        '[]',
      ]) {
        const res = await callback(uuid(), body);
        expect(res.status).toBe(400);
        expect(res.body.error).toBeDefined();
      }
    });

    it('moves on at a synchronous "succeeded" answer, with no callback', async () => {
      await start(() => ({ status: 200, body: '{"status":"succeeded"}' }));
      await merge(5);
      const verified = await deploymentIn('verified');
      expect(verified.artifact.digest).toBe(digestOf(5));
      expect(deploySystem.received).toHaveLength(1);
    });

    it('fails at a synchronous "failed" answer, with its reason', async () => {
      await start(() => ({
        status: 200,
        body: '{"status":"failed","reason":"quota exceeded"}',
      }));
      await merge(6);
      const failed = await deploymentIn('failed');
      expect(failed.reason).toBe(
        'deploy system reported failure: quota exceeded',
      );
      // A retry of the same final status is harmless; any other answer is not.
      const id = failed.id;
      expect(
        (await callback(id, '{"status":"failed","reason":"quota exceeded"}'))
          .status,
      ).toBe(202);
      expect((await callback(id, '{"status":"running"}')).status).toBe(409);
    });

    it('fails a deployment whose callback never comes when deployTimeout runs out', async () => {
      const clock = new ManualClock(new Date());
      await start(() => ({ status: 202 }), { clock });
      await merge(7);
      await handedOver();
      await deploymentIn('deploying');

      clock.advance(9 * 60_000);
      await backend.tick();
      expect((await deployments())[0].state).toBe('deploying');

      clock.advance(2 * 60_000);
      const failed = await deploymentIn('failed');
      expect(failed.reason).toBe('deployer did not finish within 600 s');
    });

    it('fails a deployment whose status polls keep answering running when deployTimeout runs out', async () => {
      const clock = new ManualClock(new Date());
      await start(() => ({ status: 202 }), { clock, poll: true });
      await merge(8);
      const id = await handedOver();
      await deploymentIn('deploying');
      // The engine's time, not the wall clock, makes the next poll due.
      clock.advance(2_000);
      await waitFor('a status poll', async () => deploySystem.polls.length > 0);
      expect(deploySystem.polls[0]).toBe(`/hooks/status/${id}`);
      expect((await deployments())[0].state).toBe('deploying');

      clock.advance(11 * 60_000);
      const failed = await deploymentIn('failed');
      expect(failed.reason).toBe('deployer did not finish within 600 s');
    });
  },
);
