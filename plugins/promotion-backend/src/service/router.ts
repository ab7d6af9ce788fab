import { HttpAuthService } from '@backstage/backend-plugin-api';
import express from 'express';
import Router from 'express-promise-router';
import { Pipelines } from '../config/pipelines';

/** What the router needs. */
export interface RouterOptions {
  httpAuth: HttpAuthService;
  pipelines: Pipelines;
}

/** Builds the plugin's HTTP API. */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { httpAuth, pipelines } = options;
  const router = Router();
  router.use(express.json({ limit: '1mb' }));

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/v1/pipelines', async (req, res) => {
    await httpAuth.credentials(req);
    res.json({
      items: [...pipelines.values()].map(p => ({
        name: p.name,
        environments: p.environments.map(e => e.name),
      })),
    });
  });

  return router;
}
