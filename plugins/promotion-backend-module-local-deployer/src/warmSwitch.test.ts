import { readdir } from 'node:fs/promises';
import type { DeployRequest } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { defaultCommand } from './defaultCommand';
import { LocalProcessDeployer } from './LocalProcessDeployer';
import { pickFreePort } from './ports';
import { ProcessRecordStore } from './ProcessRecordStore';
import { isDeploymentProcessAlive } from './processes';
import { SERVED_BY_HEADER } from './stableAddress';
import {
  eventually,
  getLocal,
  makeRequest,
  tempDir,
  waitForStatus,
} from './testHelpers';

jest.setTimeout(40_000);

const demoCommand = defaultCommand(__dirname)!;

describe('warm rollback through the stable address', () => {
  let stateDir: { path: string; remove: () => Promise<void> };
  let store: ProcessRecordStore;
  let address: number;
  let deployer: LocalProcessDeployer;

  beforeEach(async () => {
    stateDir = await tempDir();
    store = new ProcessRecordStore(stateDir.path);
    address = await pickFreePort(new Set());
    deployer = new LocalProcessDeployer({
      stateDir: stateDir.path,
      command: demoCommand,
      startupTimeoutMs: 8_000,
      stopGracePeriodMs: 2_000,
      stableAddresses: [
        // Another spelling of the service: refs compare case-insensitively.
        {
          entityRef: 'Component:default/Shop',
          environment: 'dev',
          port: address,
        },
      ],
    });
  });

  afterEach(async () => {
    await deployer.close();
    await stateDir.remove();
  });

  async function deployHealthy(request: DeployRequest) {
    await deployer.deploy(request);
    await waitForStatus(deployer, request, s => s.state === 'succeeded');
  }

  async function atAddress() {
    const res = await getLocal(address, '/health');
    return {
      status: res.status,
      digest: res.body?.digest,
      deployment: res.headers[SERVED_BY_HEADER],
    };
  }

  async function pidOf(request: DeployRequest) {
    return (await store.read(request.idempotencyKey))?.pid;
  }

  async function logFiles() {
    return (await readdir(stateDir.path)).filter(n => n.endsWith('.log'));
  }

  it('serves the newest healthy deployment, and a rollback switches back to the warm process without starting one', async () => {
    const a = makeRequest({ digestChar: 'a' });
    const b = makeRequest({ digestChar: 'b' });
    await deployHealthy(a);
    expect(await atAddress()).toEqual({
      status: 200,
      digest: a.artifact.digest,
      deployment: a.idempotencyKey,
    });
    await deployHealthy(b);
    expect(await atAddress()).toEqual({
      status: 200,
      digest: b.artifact.digest,
      deployment: b.idempotencyKey,
    });
    const warmPid = await pidOf(a);
    const logsBefore = await logFiles();

    const rollback = makeRequest({
      digestChar: 'a',
      warm: { deploymentId: a.idempotencyKey, digest: a.artifact.digest },
    });
    const answer = await deployer.deploy(rollback);

    // The first answer is final: no start, no health wait.
    expect(answer).toEqual({
      state: 'succeeded',
      detail: expect.stringContaining(
        `switched to the warm process of deployment ${a.idempotencyKey}`,
      ),
    });
    expect(await atAddress()).toEqual({
      status: 200,
      digest: a.artifact.digest,
      deployment: rollback.idempotencyKey,
    });
    expect(await logFiles()).toEqual(logsBefore);
    const switched = await store.read(rollback.idempotencyKey);
    expect(switched?.servedBy).toBe(a.idempotencyKey);
    expect(switched?.pid).toBeUndefined();
    expect(await pidOf(a)).toBe(warmPid);
    expect(await isDeploymentProcessAlive(warmPid!, a.idempotencyKey)).toBe(
      true,
    );
    expect((await deployer.status(rollback)).state).toBe('succeeded');
    expect(deployer.servingAt('component:default/shop', 'dev')).toMatchObject({
      deploymentId: rollback.idempotencyKey,
      digest: a.artifact.digest,
    });

    // The rolled-back process stays warm; the next release retires it, not the one switched back to.
    const c = makeRequest({ digestChar: 'c' });
    await deployHealthy(c);
    await eventually(async () => {
      const pid = await pidOf(b);
      return !(await isDeploymentProcessAlive(pid!, b.idempotencyKey));
    });
    expect(await isDeploymentProcessAlive(warmPid!, a.idempotencyKey)).toBe(
      true,
    );
    expect((await atAddress()).digest).toBe(c.artifact.digest);
  });

  it('starts the artifact anew when its warm process is gone', async () => {
    const a = makeRequest({ digestChar: 'a' });
    const b = makeRequest({ digestChar: 'b' });
    await deployHealthy(a);
    await deployHealthy(b);
    process.kill((await pidOf(a))!, 'SIGKILL');
    await eventually(
      async () => (await store.read(a.idempotencyKey))?.exit !== undefined,
    );

    const rollback = makeRequest({
      digestChar: 'a',
      warm: { deploymentId: a.idempotencyKey, digest: a.artifact.digest },
    });
    expect((await deployer.deploy(rollback)).state).toBe('running');
    expect(await pidOf(rollback)).toEqual(expect.any(Number));
    await waitForStatus(deployer, rollback, s => s.state === 'succeeded');
    expect(await atAddress()).toMatchObject({
      digest: a.artifact.digest,
      deployment: rollback.idempotencyKey,
    });
  });

  it('fails a switched deployment when the warm process serving it dies', async () => {
    const a = makeRequest({ digestChar: 'a' });
    const b = makeRequest({ digestChar: 'b' });
    await deployHealthy(a);
    await deployHealthy(b);
    const rollback = makeRequest({
      digestChar: 'a',
      warm: { deploymentId: a.idempotencyKey, digest: a.artifact.digest },
    });
    expect((await deployer.deploy(rollback)).state).toBe('succeeded');

    process.kill((await pidOf(a))!, 'SIGKILL');

    const result = await waitForStatus(
      deployer,
      rollback,
      s => s.state === 'failed',
    );
    expect(result).toEqual({
      state: 'failed',
      reason: expect.stringContaining(
        `the warm process of deployment ${a.idempotencyKey} failed`,
      ),
    });
    expect((await atAddress()).status).toBe(502);
  });

  it('listens from the first healthy deployment of the lane until close', async () => {
    const a = makeRequest({ digestChar: 'a' });
    await deployer.deploy(a);
    await expect(getLocal(address, '/health')).rejects.toThrow(/ECONNREFUSED/);
    await waitForStatus(deployer, a, s => s.state === 'succeeded');
    expect((await atAddress()).status).toBe(200);
    await deployer.close();
    await expect(getLocal(address, '/health')).rejects.toThrow(/ECONNREFUSED/);
  });
});
