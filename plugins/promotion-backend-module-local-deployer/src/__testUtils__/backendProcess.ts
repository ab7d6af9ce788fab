// A backend process for signal tests: the local-deployer module in a real
// Backstage backend (so Backstage's own SIGINT/SIGTERM handling applies),
// deploying `argv[3]` demo services at start-up and printing their pids.
//
//   node --require <cli-node nodeTransform> backendProcess.ts <stateDir> <count>
import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  Deployer,
  promotionDeployersExtensionPoint,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import { ProcessRecordStore } from '../ProcessRecordStore';
import { makeRequest, waitForStatus } from '../testHelpers';
import localDeployerModule from '../index';

async function main() {
  const [stateDir, count] = process.argv.slice(2);
  let deployer: Deployer | undefined;
  // Stands in for the promotion plugin: it owns the extension point.
  const host = createBackendPlugin({
    pluginId: 'promotion',
    register(reg) {
      reg.registerExtensionPoint(promotionDeployersExtensionPoint, {
        addDeployer: (_name, added) => {
          deployer = added;
        },
      });
      reg.registerInit({
        deps: { rootLifecycle: coreServices.rootLifecycle },
        async init({ rootLifecycle }) {
          // Stands in for what runs before plugin shutdown hooks in a real
          // backend (e.g. backend.lifecycle.serverShutdownDelay), so a second
          // signal can arrive before the deployer's hook has run.
          rootLifecycle.addBeforeShutdownHook(
            () => new Promise(r => setTimeout(r, 500)),
          );
        },
      });
    },
  });
  await startTestBackend({
    features: [
      host,
      localDeployerModule,
      mockServices.rootConfig.factory({
        data: {
          promotion: {
            deployers: { localProcess: { stateDir, startupTimeout: '20s' } },
          },
        },
      }),
    ],
  });
  const pids: number[] = [];
  for (let i = 0; i < Number(count); i++) {
    const request = makeRequest({ environment: `env-${i}` });
    await deployer!.deploy(request);
    await waitForStatus(
      deployer!,
      request,
      s => s.state === 'succeeded',
      20_000,
    );
    const record = await new ProcessRecordStore(stateDir).read(
      request.idempotencyKey,
    );
    pids.push(record!.pid!);
  }
  process.stdout.write(`READY ${JSON.stringify(pids)}\n`);
}

main().catch(error => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
