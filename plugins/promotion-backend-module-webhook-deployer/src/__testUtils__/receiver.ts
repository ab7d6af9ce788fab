import { createServer, IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the deploy system's receiver saw it on the wire. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the receiver answers: a status with optional body and headers, or never. */
export type Reply =
  | { status: number; body?: string; headers?: Record<string, string> }
  | 'hang';

/** A real HTTP server on 127.0.0.1 standing in for the user's deploy system. */
export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

/** Starts a receiver on a random loopback port; `reply` decides each answer by request number (0-based). */
export async function startReceiver(
  reply: (request: ReceivedRequest, index: number) => Reply,
): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', chunk => chunks.push(chunk));
    req.on('end', () => {
      const received: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const answer = reply(received, requests.length);
      requests.push(received);
      if (answer === 'hang') {
        return;
      }
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    });
  });
  await new Promise<void>(resolve =>
    server.listen(0, '127.0.0.1', () => resolve()),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Hung requests and keep-alive sockets would otherwise hold the server open.
        server.closeAllConnections();
        server.close(error => (error ? reject(error) : resolve()));
      }),
  };
}

/** A loopback URL nothing listens on: start a server, note its port, close it. */
export async function unusedLoopbackUrl(): Promise<string> {
  const receiver = await startReceiver(() => ({ status: 200 }));
  await receiver.close();
  return receiver.url;
}
