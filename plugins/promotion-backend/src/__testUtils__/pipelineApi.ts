import type { Server } from 'node:http';
import request from 'supertest';

/** A lane of a pipeline view, by environment name. */
export const laneOf = (view: any, name: string) =>
  view.environments.find((e: any) => e.name === name);

/** One line per lane: what runs there and what its promotion waits on. */
function describeLanes(view: any) {
  return view.environments.map((e: any) => ({
    env: e.name,
    current: e.current && `${e.current.artifact.version}:${e.current.state}`,
    promotion:
      e.promotion &&
      `${e.promotion.artifact.version} ${e.promotion.gates
        .map(
          (g: any) => `${g.gate}=${g.verdict}@${g.evaluatedAt} (${g.reason})`,
        )
        .join(' ')}`,
  }));
}

/**
 * A service's pipeline as an end-to-end test reads it over HTTP, and a way to
 * wait until it shows something; a timeout names what was awaited and what
 * every lane showed instead.
 */
export function pipelineApi(options: {
  /** The backend's server (a function: tests may start a new backend each time). */
  server: () => Server;
  /** The service's API path, e.g. `/api/promotion/v1/services/component/default/checkout`. */
  base: string;
  /** Authorization header of the reader. */
  auth: string;
  /** Runs before every look, e.g. a scheduler tick after moving a manual clock. */
  beforeProbe?: () => Promise<void>;
  timeoutMs?: number;
}) {
  async function pipeline(): Promise<any> {
    const res = await request(options.server())
      .get(`${options.base}/pipeline`)
      .set('Authorization', options.auth);
    expect(res.status).toBe(200);
    return res.body;
  }

  async function waitFor<T>(
    what: string,
    probe: () => Promise<T | undefined | false>,
  ): Promise<T> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    for (;;) {
      await options.beforeProbe?.();
      const value = await probe();
      if (value) return value;
      if (Date.now() > deadline) {
        throw new Error(
          `timed out waiting for ${what}: ${JSON.stringify(
            describeLanes(await pipeline()),
          )}`,
        );
      }
      await new Promise(r => setTimeout(r, 25));
    }
  }

  return {
    pipeline,
    lane: async (name: string) => laneOf(await pipeline(), name),
    waitFor,
  };
}
