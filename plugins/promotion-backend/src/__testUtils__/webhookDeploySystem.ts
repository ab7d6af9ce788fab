import {
  signWebhookBody,
  verifyWebhookSignature,
  WebhookDeployPayload,
} from '@promotion-pipeline/backstage-plugin-promotion-backend-module-webhook-deployer';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the deploy system answers a deploy request. */
export interface DeployAnswer {
  status: number;
  body?: string;
  /** Runs after the answer went out, e.g. to call the backend back. */
  then?: () => Promise<void>;
}

/**
 * A user's deploy system on 127.0.0.1, speaking the webhook deployer's wire
 * format: it checks each deploy request's signature as a real receiver must
 * (401 otherwise) and answers as the test says.
 */
export async function startWebhookDeploySystem(options: {
  secret: string;
  answer: (payload: WebhookDeployPayload) => DeployAnswer;
  /** Body of the answer to status polls (`GET <statusUrl>/<id>`); running by default. */
  statusBody?: string;
}) {
  const received: WebhookDeployPayload[] = [];
  const polls: string[] = [];
  const followUps: Promise<void>[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', chunk => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      const ok = verifyWebhookSignature(
        options.secret,
        req.headers['x-promotion-timestamp'] as string | undefined,
        rawBody,
        req.headers['x-promotion-signature'] as string | undefined,
      );
      if (!ok) {
        res.writeHead(401).end('bad signature');
        return;
      }
      if (req.method === 'GET') {
        polls.push(req.url ?? '');
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(options.statusBody ?? '{"status":"running"}');
        return;
      }
      const payload = JSON.parse(rawBody.toString('utf8'));
      received.push(payload);
      const answer = options.answer(payload);
      res.writeHead(answer.status, { 'Content-Type': 'application/json' });
      res.end(answer.body, () => {
        if (answer.then) followUps.push(answer.then());
      });
    });
  });
  await new Promise<void>(resolve =>
    server.listen(0, '127.0.0.1', () => resolve()),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/deploy`,
    statusUrl: `http://127.0.0.1:${port}/hooks/status`,
    /** Paths of the status polls received. */
    polls,
    /** Deploy requests received with a valid signature, in order. */
    received,
    async close() {
      await Promise.allSettled(followUps);
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close(error => (error ? reject(error) : resolve())),
      );
    },
  };
}

/**
 * POSTs a status callback to the backend as the deploy system would: body
 * bytes exactly as given, signed over `timestamp + "." + body`.
 */
export async function postStatusCallback(options: {
  backendUrl: string;
  deploymentId: string;
  body: string;
  secret: string;
  /** Unix seconds; now by default. */
  timestamp?: number;
  /** Replaces the computed signature header (e.g. a forged one). */
  signature?: string;
}): Promise<{ status: number; body: any; text: string }> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'X-Promotion-Timestamp': String(timestamp),
    'X-Promotion-Signature':
      options.signature ??
      signWebhookBody(options.secret, timestamp, options.body),
  };
  const res = await fetch(
    `${options.backendUrl}/api/promotion/v1/deployments/${options.deploymentId}/status`,
    { method: 'POST', headers, body: options.body },
  );
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}
