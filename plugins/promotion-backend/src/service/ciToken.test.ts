import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { permissionsServiceFactory } from '@backstage/backend-defaults/permissions';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import request from 'supertest';
import { parse } from 'yaml';
import { serviceEntity, startPromotionBackend } from '../__testUtils__/backend';
import { createTestDatabases, digestOf } from '../__testUtils__/databases';

jest.setTimeout(60_000);

const DEMO_CONFIG = resolve(__dirname, '../../../../app-config.yaml');

/**
 * The demo's `backend.auth.externalAccess` block as the backend reads it,
 * with `${VAR:-default}` taken at its default.
 */
function demoExternalAccess(): { token: string; block: unknown } {
  const text = readFileSync(DEMO_CONFIG, 'utf8').replace(
    /\$\{\w+:-([^}]*)\}/g,
    '$1',
  );
  const block = parse(text).backend.auth.externalAccess;
  return { token: block[0].options.token, block };
}

describe("the demo's CI token", () => {
  const databases = createTestDatabases();

  it.each(databases.eachSupportedId())(
    'may register, report and read, and nothing else (%p)',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const { token, block } = demoExternalAccess();
      const backend = await startPromotionBackend({
        knex,
        entities: [serviceEntity('checkout')],
        config: {
          backend: { auth: { externalAccess: block } },
          permission: { enabled: true },
          promotion: {
            pipelines: {
              standard: {
                environments: [
                  { name: 'dev', deployer: 'fake' },
                  { name: 'prod', deployer: 'fake' },
                ],
              },
            },
          },
        },
        // The real token, access-restriction and permission checks.
        features: [
          authServiceFactory,
          httpAuthServiceFactory,
          permissionsServiceFactory,
        ],
      });
      try {
        const ci = (r: request.Test) =>
          r.set('authorization', `Bearer ${token}`);
        const api = (path: string) => `/api/promotion${path}`;
        const service = '/v1/services/component/default/checkout';
        const digest = digestOf('ci-token');

        const registered = await ci(
          request(backend.server).post(api('/v1/artifacts')),
        ).send({
          entityRef: 'component:default/checkout',
          digest,
          version: '1.0.0',
          commit: 'c0ffee',
          author: 'user:default/alice',
        });
        expect(registered.status).toBe(201);

        const reported = await ci(
          request(backend.server).post(
            api(`/v1/artifacts/${digest}/test-results`),
          ),
        ).send({
          entityRef: 'component:default/checkout',
          suite: 'e2e',
          environment: 'dev',
          status: 'passed',
        });
        expect(reported.status).toBe(201);

        const read = await ci(
          request(backend.server).get(api(`${service}/pipeline`)),
        );
        expect(read.status).toBe(200);

        const freeze = await ci(
          request(backend.server).post(api(`${service}/freezes`)),
        ).send({ environment: 'prod', reason: 'CI must not stop the line' });
        expect(freeze.status).toBe(403);
        expect(freeze.body.error.name).toBe('NotAllowedError');

        const rollback = await ci(
          request(backend.server).post(api(`${service}/rollback`)),
        ).send({ environment: 'prod', reason: 'CI must not roll back' });
        expect(rollback.status).toBe(403);

        const wrongToken = await request(backend.server)
          .get(api(`${service}/pipeline`))
          .set('authorization', 'Bearer not-the-demo-token');
        expect(wrongToken.status).toBe(401);
      } finally {
        await backend.stop();
        await knex.destroy();
      }
    },
  );
});
