import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  Deployer,
  promotionDeployersExtensionPoint,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import { ProcessRecordStore } from './ProcessRecordStore';
import { isDeploymentProcessAlive } from './processes';
import { makeRequest, tempDir, waitForStatus } from './testHelpers';
import localDeployerModule from './index';

jest.setTimeout(30_000);

describe('promotion local-deployer module', () => {
  let stateDir: { path: string; remove: () => Promise<void> };

  beforeEach(async () => {
    stateDir = await tempDir();
  });

  afterEach(() => stateDir.remove());

  it('adds the local-process deployer and stops its processes when the backend stops', async () => {
    const added = new Map<string, Deployer>();
    const backend = await startTestBackend({
      extensionPoints: [
        [
          promotionDeployersExtensionPoint,
          { addDeployer: (name, deployer) => added.set(name, deployer) },
        ],
      ],
      features: [
        localDeployerModule,
        mockServices.rootConfig.factory({
          data: {
            promotion: {
              deployers: {
                localProcess: {
                  stateDir: stateDir.path,
                  startupTimeout: '10s',
                },
              },
            },
          },
        }),
      ],
    });
    let stopped = false;
    try {
      expect([...added.keys()]).toEqual(['local-process']);
      const deployer = added.get('local-process')!;
      const request = makeRequest();

      await deployer.deploy(request);
      await waitForStatus(deployer, request, s => s.state === 'succeeded');
      const record = await new ProcessRecordStore(stateDir.path).read(
        request.idempotencyKey,
      );
      expect(await isDeploymentProcessAlive(record!.pid!, record!.key)).toBe(
        true,
      );

      await backend.stop();
      stopped = true;
      expect(await isDeploymentProcessAlive(record!.pid!, record!.key)).toBe(
        false,
      );
    } finally {
      if (!stopped) await backend.stop();
    }
  });

  it('refuses to start with a wrong setting, naming the key', async () => {
    await expect(
      startTestBackend({
        extensionPoints: [
          [promotionDeployersExtensionPoint, { addDeployer: () => {} }],
        ],
        features: [
          localDeployerModule,
          mockServices.rootConfig.factory({
            data: {
              promotion: {
                deployers: { localProcess: { startupTimeout: 'soon' } },
              },
            },
          }),
        ],
      }),
    ).rejects.toThrow('promotion.deployers.localProcess.startupTimeout');
  });
});
