import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigReader } from '@backstage/config';
import type { DeployRequest } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { defaultCommand } from './defaultCommand';
import {
  LocalProcessDeployer,
  LocalProcessDeployerOptions,
} from './LocalProcessDeployer';
import { ProcessRecordStore } from './ProcessRecordStore';
import { isDeploymentProcessAlive } from './processes';
import {
  eventually,
  getLocal,
  makeRequest,
  tempDir,
  waitForStatus,
} from './testHelpers';

jest.setTimeout(30_000);

const demoCommand = defaultCommand(__dirname)!;

describe('LocalProcessDeployer', () => {
  let stateDir: { path: string; remove: () => Promise<void> };
  let store: ProcessRecordStore;
  const deployers: LocalProcessDeployer[] = [];

  function createDeployer(
    options: Partial<LocalProcessDeployerOptions> = {},
  ): LocalProcessDeployer {
    const deployer = new LocalProcessDeployer({
      stateDir: stateDir.path,
      command: demoCommand,
      startupTimeoutMs: 8_000,
      stopGracePeriodMs: 2_000,
      ...options,
    });
    deployers.push(deployer);
    return deployer;
  }

  async function recordOf(request: DeployRequest) {
    const record = await store.read(request.idempotencyKey);
    if (!record?.pid) throw new Error('no process recorded');
    return { ...record, pid: record.pid };
  }

  async function isGone(request: DeployRequest) {
    const { pid, key } = await recordOf(request);
    return !(await isDeploymentProcessAlive(pid, key));
  }

  beforeEach(async () => {
    stateDir = await tempDir();
    store = new ProcessRecordStore(stateDir.path);
  });

  afterEach(async () => {
    await Promise.all(deployers.splice(0).map(d => d.close()));
    await stateDir.remove();
  });

  it('finds the demo service above the working directory', () => {
    expect(demoCommand).toEqual([
      process.execPath,
      expect.stringMatching(/demo[\\/]service[\\/]server\.js$/),
    ]);
  });

  it('reports running right after the start, then succeeded once healthy', async () => {
    const deployer = createDeployer();
    const request = makeRequest();

    const started = await deployer.deploy(request);
    expect(started.state).toBe('running');

    const healthy = await waitForStatus(
      deployer,
      request,
      s => s.state !== 'running',
    );
    expect(healthy.state).toBe('succeeded');

    const { port } = await recordOf(request);
    const health = await getLocal(port, '/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: 'ok',
      digest: request.artifact.digest,
      version: request.artifact.version,
      environment: 'dev',
    });
  });

  it('starts one process for a key deployed twice, even concurrently', async () => {
    const deployer = createDeployer();
    const request = makeRequest();

    const [first, second] = await Promise.all([
      deployer.deploy(request),
      deployer.deploy(request),
    ]);
    expect([first.state, second.state]).toEqual(['running', 'running']);
    await waitForStatus(deployer, request, s => s.state === 'succeeded');

    const again = await deployer.deploy(request);
    expect(again.state).toBe('succeeded');

    const log = await readFile(store.logPath(request.idempotencyKey), 'utf8');
    expect(log.match(/^demo service /gm)).toHaveLength(1);
  });

  it('refuses a known key with a different artifact', async () => {
    const deployer = createDeployer();
    const request = makeRequest();
    await deployer.deploy(request);

    const other = await deployer.deploy(
      makeRequest({ idempotencyKey: request.idempotencyKey, digestChar: 'b' }),
    );
    expect(other).toEqual({
      state: 'failed',
      reason: expect.stringContaining('already recorded'),
    });
  });

  it('fails an artifact that never turns healthy once the startup timeout passes, and stops it', async () => {
    const deployer = createDeployer({ startupTimeoutMs: 1_500 });
    const request = makeRequest({ labels: ['demo:unhealthy'] });

    await deployer.deploy(request);
    await eventually(async () => {
      const { port } = await recordOf(request);
      return (
        (await getLocal(port, '/health').catch(() => undefined))?.status === 503
      );
    });
    expect((await deployer.status(request)).state).toBe('running');

    const result = await waitForStatus(
      deployer,
      request,
      s => s.state !== 'running',
    );
    expect(result).toEqual({
      state: 'failed',
      reason: expect.stringMatching(/not healthy within 1\.5 s.*answered 503/),
    });
    await eventually(() => isGone(request));
    // The failure is final: asking again gives the same reason.
    expect(await deployer.status(request)).toEqual(result);
  });

  it('fails a crashing artifact with its exit code and last output', async () => {
    const deployer = createDeployer();
    const request = makeRequest({ labels: ['demo:crash'] });

    await deployer.deploy(request);
    const result = await waitForStatus(
      deployer,
      request,
      s => s.state === 'failed',
    );
    expect(result).toEqual({
      state: 'failed',
      reason: expect.stringMatching(/process exited with code 1.*demo:crash/),
    });
  });

  it('hands the environment, variables and secret names to the process', async () => {
    const deployer = createDeployer();
    const request = makeRequest({
      environment: 'staging',
      variables: { LOG_LEVEL: 'info', GREETING: 'hello staging' },
      secretRefs: ['PAYMENT_GATEWAY_KEY'],
    });

    await deployer.deploy(request);
    await waitForStatus(deployer, request, s => s.state === 'succeeded');

    const { port } = await recordOf(request);
    const page = await getLocal(port, '/');
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({
      environment: 'staging',
      entityRef: 'component:default/shop',
      deploymentId: request.idempotencyKey,
      variables: { LOG_LEVEL: 'info', GREETING: 'hello staging' },
      secretRefs: ['PAYMENT_GATEWAY_KEY'],
    });
  });

  it('lets an environment override the command and health path', async () => {
    const deployer = createDeployer({ command: ['/nonexistent/program'] });
    const request = makeRequest({
      config: new ConfigReader({
        command: demoCommand,
        healthPath: '/metrics',
      }),
    });

    await deployer.deploy(request);
    await waitForStatus(deployer, request, s => s.state === 'succeeded');
    expect((await recordOf(request)).healthPath).toBe('/metrics');
  });

  it('fails closed on a wrong environment override', async () => {
    const deployer = createDeployer();
    const result = await deployer.deploy(
      makeRequest({ config: new ConfigReader({ healthPath: 'health' }) }),
    );
    expect(result).toEqual({
      state: 'failed',
      reason: expect.stringContaining('deployerConfig.healthPath'),
    });
  });

  it('fails a command that cannot start', async () => {
    const deployer = createDeployer({ command: ['/nonexistent/program'] });
    const request = makeRequest();

    const result = await deployer.deploy(request);
    expect(result).toEqual({
      state: 'failed',
      reason: expect.stringContaining('could not start /nonexistent/program'),
    });
    expect(await deployer.status(request)).toEqual(result);
  });

  it('fails the status of a key it never deployed', async () => {
    const deployer = createDeployer();
    expect(await deployer.status(makeRequest())).toEqual({
      state: 'failed',
      reason: expect.stringContaining('no process was started'),
    });
  });

  it('fails a process that was healthy and then turned unhealthy', async () => {
    const flag = join(stateDir.path, 'sick');
    // Healthy until the flag file exists.
    const script = [
      "const fs = require('fs');",
      "require('http').createServer((q, s) => {",
      `  s.statusCode = fs.existsSync(${JSON.stringify(flag)}) ? 500 : 200;`,
      "  s.end('x');",
      "}).listen(Number(process.env.PORT), '127.0.0.1');",
      "process.on('SIGTERM', () => process.exit(0));",
    ].join('\n');
    const deployer = createDeployer({
      command: [process.execPath, '-e', script],
    });
    const request = makeRequest();

    await deployer.deploy(request);
    await waitForStatus(deployer, request, s => s.state === 'succeeded');
    await writeFile(flag, '');

    expect(await deployer.status(request)).toEqual({
      state: 'failed',
      reason: expect.stringMatching(/turned unhealthy.*answered 500/),
    });
    await eventually(() => isGone(request));
  });

  it('re-attaches from a second deployer over the same state directory', async () => {
    const first = createDeployer();
    const request = makeRequest();
    await first.deploy(request);
    await waitForStatus(first, request, s => s.state === 'succeeded');
    const { pid } = await recordOf(request);

    const second = createDeployer();
    expect((await second.status(request)).state).toBe('succeeded');
    // Deploying the same key through the second deployer starts nothing new.
    expect((await second.deploy(request)).state).toBe('succeeded');
    expect((await recordOf(request)).pid).toBe(pid);

    process.kill(pid, 'SIGKILL');
    const result = await waitForStatus(
      second,
      request,
      s => s.state === 'failed',
    );
    expect(result).toEqual({
      state: 'failed',
      reason: expect.stringContaining('process exited'),
    });
  });

  it('fails a recorded process that is no longer alive', async () => {
    // A real pid that has already exited, as a crashed backend would leave behind.
    const { pid } = spawnSync(process.execPath, ['-e', '0']);
    const request = makeRequest();
    await store.init();
    await store.claim({
      key: request.idempotencyKey,
      entityRef: request.entityRef,
      environment: request.environment,
      digest: request.artifact.digest,
      version: request.artifact.version,
      command: demoCommand,
      healthPath: '/health',
      port: 1,
      pid,
      owner: { pid: 999_999_999, instance: 'gone' },
      startedAt: new Date().toISOString(),
    });

    const deployer = createDeployer();
    expect(await deployer.status(request)).toEqual({
      state: 'failed',
      reason: expect.stringContaining('process exited'),
    });
    // deploy() of that key answers the same and starts nothing.
    expect((await deployer.deploy(request)).state).toBe('failed');
  });

  it('keeps the current and the warm previous process per environment and stops the oldest', async () => {
    const deployer = createDeployer();
    const elsewhere = makeRequest({ environment: 'staging', digestChar: 'z' });
    const [a, b, c] = ['a', 'b', 'c'].map(digestChar =>
      makeRequest({ digestChar }),
    );

    for (const request of [elsewhere, a, b]) {
      await deployer.deploy(request);
      await waitForStatus(deployer, request, s => s.state === 'succeeded');
    }
    expect((await deployer.status(a)).state).toBe('succeeded');

    await deployer.deploy(c);
    await waitForStatus(deployer, c, s => s.state === 'succeeded');

    await eventually(() => isGone(a));
    expect(await deployer.status(a)).toEqual({
      state: 'failed',
      reason: 'stopped: replaced by newer deployments',
    });
    expect((await deployer.status(b)).state).toBe('succeeded');
    expect((await deployer.status(c)).state).toBe('succeeded');
    expect((await deployer.status(elsewhere)).state).toBe('succeeded');
  });

  it('stops every process on close and refuses new deployments', async () => {
    const deployer = createDeployer();
    const requests = [
      makeRequest({ digestChar: 'a' }),
      makeRequest({ digestChar: 'b', environment: 'staging' }),
    ];
    for (const request of requests) {
      await deployer.deploy(request);
    }
    await waitForStatus(deployer, requests[0], s => s.state === 'succeeded');

    await deployer.close();

    for (const request of requests) {
      expect(await isGone(request)).toBe(true);
      const { port } = await recordOf(request);
      await expect(getLocal(port, '/health')).rejects.toThrow();
    }
    expect(await deployer.deploy(makeRequest())).toEqual({
      state: 'failed',
      reason: expect.stringContaining('shut down'),
    });
  });

  it('stops on close the processes of a backend that is gone, but not those of a live one', async () => {
    const { pid: deadBackendPid } = spawnSync(process.execPath, ['-e', '0']);
    const first = createDeployer();
    const orphan = makeRequest({ digestChar: 'a' });
    const kept = makeRequest({ digestChar: 'b', environment: 'staging' });
    for (const request of [orphan, kept]) {
      await first.deploy(request);
      await waitForStatus(first, request, s => s.state === 'succeeded');
    }
    await store.update(orphan.idempotencyKey, r => ({
      ...r,
      owner: { pid: deadBackendPid!, instance: 'crashed-backend' },
    }));

    await createDeployer().close();

    expect(await isGone(orphan)).toBe(true);
    expect(await isGone(kept)).toBe(false);
  });

  it('kills a process that ignores SIGTERM after the grace period', async () => {
    const script = [
      "process.on('SIGTERM', () => {});",
      "require('http').createServer((q, s) => s.end('ok'))",
      "  .listen(Number(process.env.PORT), '127.0.0.1');",
    ].join('\n');
    const deployer = createDeployer({
      command: [process.execPath, '-e', script],
      stopGracePeriodMs: 300,
    });
    const request = makeRequest();
    await deployer.deploy(request);
    await waitForStatus(deployer, request, s => s.state === 'succeeded');

    await deployer.close();

    expect(await isGone(request)).toBe(true);
    expect((await recordOf(request)).exit).toMatchObject({
      signal: 'SIGKILL',
    });
  });
});
