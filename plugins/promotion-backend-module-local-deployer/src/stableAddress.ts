import {
  IncomingMessage,
  Server,
  ServerResponse,
  createServer,
  request as httpRequest,
} from 'node:http';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { StableAddressConfig, laneKey } from './config';

/** Header naming the deployment that answered through the stable address. */
export const SERVED_BY_HEADER = 'x-promotion-deployment';

/** The process a stable address forwards to. */
export interface AddressTarget {
  /** The deployment whose process answers (after a warm switch: the rollback's). */
  deploymentId: string;
  digest: string;
  port: number;
}

// Request headers that describe one hop, not the request (RFC 9110 §7.6.1).
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
];

function withoutHopHeaders(
  headers: IncomingMessage['headers'],
): IncomingMessage['headers'] {
  const copy = { ...headers };
  for (const name of HOP_BY_HOP) delete copy[name];
  return copy;
}

/**
 * One environment's stable address: an HTTP proxy on 127.0.0.1 that forwards
 * every request to the process serving now. Switching the target is an
 * assignment, so a warm rollback takes effect with the next request; requests
 * already forwarded finish on the process they reached.
 */
export class StableAddress {
  private server?: Server;
  private listening?: Promise<void>;
  private target?: AddressTarget;

  constructor(
    readonly port: number,
    private readonly label: string,
    private readonly logger: LoggerService,
  ) {}

  /** Where requests go now, if anywhere. */
  current(): AddressTarget | undefined {
    return this.target;
  }

  /** Points the address at `target`, listening first if it is not yet. */
  async switchTo(target: AddressTarget): Promise<void> {
    await this.listen();
    const before = this.target;
    this.target = target;
    if (before?.deploymentId !== target.deploymentId) {
      this.logger.info(
        `Stable address 127.0.0.1:${this.port} of ${this.label} now serves deployment ${target.deploymentId} (${target.digest}, port ${target.port})`,
      );
    }
  }

  /** Stops listening; idempotent. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.listening = undefined;
    if (!server) return;
    await new Promise<void>(resolveClose => {
      server.close(() => resolveClose());
      server.closeAllConnections();
    });
  }

  private listen(): Promise<void> {
    if (!this.listening) {
      const server = createServer((req, res) => this.forward(req, res));
      // Idle keep-alive sockets must not pin a switched-away process.
      server.keepAliveTimeout = 1_000;
      this.server = server;
      this.listening = new Promise<void>((resolveListen, reject) => {
        server.once('error', reject);
        server.listen(this.port, '127.0.0.1', () => {
          server.off('error', reject);
          resolveListen();
        });
      }).catch(error => {
        this.server = undefined;
        this.listening = undefined;
        throw new Error(
          `stable address of ${this.label} cannot listen on 127.0.0.1:${this.port}: ${error.message}`,
        );
      });
    }
    return this.listening;
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const target = this.target;
    if (!target) {
      answer(res, 503, `nothing serves ${this.label} yet`);
      return;
    }
    const upstream = httpRequest(
      {
        host: '127.0.0.1',
        port: target.port,
        method: req.method,
        path: req.url,
        headers: withoutHopHeaders(req.headers),
        agent: false,
      },
      upstreamRes => {
        res.writeHead(upstreamRes.statusCode ?? 502, {
          ...withoutHopHeaders(upstreamRes.headers),
          [SERVED_BY_HEADER]: target.deploymentId,
        });
        upstreamRes.pipe(res);
      },
    );
    upstream.on('error', error => {
      if (res.headersSent) {
        res.destroy();
      } else {
        answer(
          res,
          502,
          `deployment ${target.deploymentId} does not answer: ${error.message}`,
        );
      }
    });
    req.pipe(upstream);
  }
}

function answer(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: message }));
}

/** The stable addresses of every configured lane, listening from their first switch. */
export class StableAddresses {
  private readonly byLane = new Map<string, StableAddress>();

  constructor(configs: StableAddressConfig[], logger: LoggerService) {
    for (const { entityRef, environment, port } of configs) {
      this.byLane.set(
        laneKey(entityRef, environment),
        new StableAddress(port, `${entityRef} ${environment}`, logger),
      );
    }
  }

  /** The lane's address; undefined when none is configured. */
  of(entityRef: string, environment: string): StableAddress | undefined {
    return this.byLane.get(laneKey(entityRef, environment));
  }

  async close(): Promise<void> {
    await Promise.all([...this.byLane.values()].map(a => a.close()));
  }
}
