import type { Server } from 'node:http';
import { Knex } from 'knex';
import { serviceEntity, startPromotionBackend } from '../__testUtils__/backend';
import { createTestDatabases } from '../__testUtils__/databases';
import { loadOpenApiSpec } from '../schema/spec';

/*
 * The OpenAPI document is the HTTP surface's one description. This test
 * holds the running plugin to it in both directions: every operation the
 * spec declares has a handler (a declared but unserved operation answers
 * like any unknown path, which is how the status callback once went
 * missing), and every handler is declared in the spec. It reads the routes
 * the real backend registered rather than probing with requests, so a
 * catch-all JSON 404 cannot make a missing handler look served.
 */

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** `/v1/things/{id}` as express writes it: `/v1/things/:id`. */
const toExpressPath = (path: string) => path.replace(/\{([^}]+)\}/g, ':$1');

/** Every operation of the spec, as `METHOD path` in express form. */
function specOperations(): string[] {
  const spec = loadOpenApiSpec();
  return Object.entries(spec.paths as Record<string, Record<string, unknown>>)
    .flatMap(([path, item]) =>
      Object.keys(item)
        .filter(key => METHODS.includes(key))
        .map(method => `${method.toUpperCase()} ${toExpressPath(path)}`),
    )
    .sort();
}

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Routes registered anywhere under an express app or router, as `METHOD path`. */
function registeredRoutes(stack: Layer[], into: string[] = []): string[] {
  for (const layer of stack) {
    if (layer.route) {
      const paths = ([] as string[]).concat(layer.route.path);
      for (const method of Object.keys(layer.route.methods)) {
        for (const path of paths) into.push(`${method.toUpperCase()} ${path}`);
      }
    } else if (layer.handle?.stack) {
      registeredRoutes(layer.handle.stack, into);
    }
  }
  return into;
}

/** The root express app that serves the test backend's server. */
function appStack(server: Server): Layer[] {
  const [app] = server.listeners('request') as any[];
  const stack = app?._router?.stack ?? app?.router?.stack;
  if (!stack) throw new Error('the backend server is not an express app');
  return stack;
}

const databases = createTestDatabases();

describe('the OpenAPI spec and the router', () => {
  let knex: Knex;
  let backend: Awaited<ReturnType<typeof startPromotionBackend>>;

  beforeAll(async () => {
    // Routes do not depend on the database: one is enough.
    knex = await databases.init(databases.eachSupportedId()[0][0]);
    backend = await startPromotionBackend({
      knex,
      entities: [serviceEntity('checkout')],
      config: {
        promotion: {
          pipelines: {
            standard: { environments: [{ name: 'dev', deployer: 'fake' }] },
          },
        },
      },
    });
  }, 60_000);

  afterAll(async () => {
    await backend?.stop();
    await knex?.destroy();
  });

  // The plugin's own routes: everything the spec could describe.
  const pluginRoutes = () =>
    registeredRoutes(appStack(backend.server)).filter(route =>
      /^[A-Z]+ \/(v1\/|health$)/.test(route),
    );

  it('serves every operation the spec declares', () => {
    const served = new Set(pluginRoutes());
    const missing = specOperations().filter(op => !served.has(op));
    expect(missing).toEqual([]);
  });

  it('declares every route it serves in the spec', () => {
    const declared = new Set(specOperations());
    const undeclared = [...new Set(pluginRoutes())].filter(
      route => !declared.has(route),
    );
    expect(undeclared).toEqual([]);
  });

  it('finds the routes it checks (the walk itself works)', () => {
    expect(pluginRoutes()).toEqual(
      expect.arrayContaining([
        'GET /health',
        'POST /v1/artifacts',
        'POST /v1/deployments/:deploymentId/status',
      ]),
    );
  });
});
