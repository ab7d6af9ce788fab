import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  DeployRequest,
  DeployStatus,
  Deployer,
} from '@promotion-pipeline/backstage-plugin-promotion-node';

/** A deploy request for the demo service; override what a test cares about. */
export function makeRequest(
  overrides: Partial<DeployRequest> & {
    labels?: string[];
    digestChar?: string;
  } = {},
): DeployRequest {
  const { labels = [], digestChar = 'a', ...rest } = overrides;
  return {
    idempotencyKey: `deployment-${Math.random().toString(36).slice(2)}`,
    entityRef: 'component:default/shop',
    environment: 'dev',
    artifact: {
      id: `artifact-${digestChar}`,
      entityRef: 'component:default/shop',
      digest: `sha256:${digestChar.repeat(64)}`,
      version: `1.0.${digestChar.charCodeAt(0)}`,
      commit: 'c0ffee',
      labels,
      changedPaths: [],
      registeredAt: new Date().toISOString(),
    },
    variables: {},
    secretRefs: [],
    ...rest,
  };
}

/** Polls `status` until `accept` holds; throws with the last status after `timeoutMs`. */
export async function waitForStatus(
  deployer: Deployer,
  request: DeployRequest,
  accept: (status: DeployStatus) => boolean,
  timeoutMs = 10_000,
): Promise<DeployStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: DeployStatus | undefined;
  while (Date.now() < deadline) {
    last = await deployer.status(request);
    if (accept(last)) return last;
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error(`status never matched; last: ${JSON.stringify(last)}`);
}

/** Polls `check` until it returns true; throws after `timeoutMs`. */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise(r => setTimeout(r, 50));
  }
  throw new Error('condition never held');
}

/** A fresh temporary directory and its removal. */
export async function tempDir(): Promise<{
  path: string;
  remove: () => Promise<void>;
}> {
  const path = await mkdtemp(join(tmpdir(), 'promotion-local-deployer-test-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** GETs a loopback URL on a fresh connection; returns status and parsed JSON body (or text). */
export function getLocal(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{
  status: number;
  body: any;
  contentType?: string;
  headers: Record<string, string | string[] | undefined>;
}> {
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, agent: false, headers },
      res => {
        const chunks: Buffer[] = [];
        res.on('data', chunk => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: any = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON
          }
          resolvePromise({
            status: res.statusCode ?? 0,
            body,
            contentType: res.headers['content-type'],
            headers: res.headers,
          });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}
