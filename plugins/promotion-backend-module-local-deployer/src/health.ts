import { request } from 'node:http';

/** The answer of one health check. */
export interface HealthProbe {
  healthy: boolean;
  reason: string;
}

/** Sends one GET to http://127.0.0.1:<port><path>; healthy only on a 2xx within the timeout. */
export function probeHealth(
  port: number,
  path: string,
  timeoutMs: number,
): Promise<HealthProbe> {
  const req = request({
    host: '127.0.0.1',
    port,
    path,
    method: 'GET',
    // A fresh connection per probe: nothing pooled outlives the check.
    agent: false,
    headers: { connection: 'close' },
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const answer = new Promise<HealthProbe>(resolveProbe => {
    req.on('response', res => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolveProbe({
        healthy: code >= 200 && code < 300,
        reason: `${path} answered ${code}`,
      });
    });
    req.on('error', error =>
      resolveProbe({
        healthy: false,
        reason: `${path} unreachable: ${error.message}`,
      }),
    );
    timer = setTimeout(
      () =>
        resolveProbe({
          healthy: false,
          reason: `${path} did not answer within ${timeoutMs} ms`,
        }),
      timeoutMs,
    );
  });
  req.end();
  return answer.finally(() => {
    clearTimeout(timer);
    req.destroy();
  });
}
