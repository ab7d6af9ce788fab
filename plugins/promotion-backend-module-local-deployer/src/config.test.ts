import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigReader } from '@backstage/config';
import {
  readLocalProcessDeployerSettings,
  resolveProcessTarget,
} from './config';

function settingsOf(localProcess?: object, cwd = __dirname) {
  return readLocalProcessDeployerSettings(
    new ConfigReader(
      localProcess
        ? { promotion: { deployers: { localProcess } } }
        : { promotion: {} },
    ),
    cwd,
  );
}

describe('readLocalProcessDeployerSettings', () => {
  it('has defaults for everything', () => {
    expect(settingsOf()).toEqual({
      command: [
        process.execPath,
        expect.stringMatching(/demo[\\/]service[\\/]server\.js$/),
      ],
      stateDir: join(tmpdir(), 'promotion-local-deployer'),
      startupTimeoutMs: 15_000,
      stopGracePeriodMs: 5_000,
      portRange: undefined,
      stableAddresses: [],
    });
  });

  it('has no default command where the demo service cannot be found', () => {
    expect(settingsOf(undefined, tmpdir()).command).toBeUndefined();
  });

  it('reads every key', () => {
    expect(
      settingsOf({
        command: ['python3', 'app.py'],
        stateDir: 'state',
        startupTimeout: { seconds: 30 },
        stopGracePeriod: '2s',
        portRange: { from: 20000, to: 20010 },
        stableAddresses: [
          {
            entityRef: 'component:default/shop',
            environment: 'prod',
            port: 7301,
          },
          {
            entityRef: 'component:default/shop',
            environment: 'dev',
            port: 7302,
          },
        ],
      }),
    ).toEqual({
      command: ['python3', 'app.py'],
      stateDir: resolve(__dirname, 'state'),
      startupTimeoutMs: 30_000,
      stopGracePeriodMs: 2_000,
      portRange: { from: 20000, to: 20010 },
      stableAddresses: [
        {
          entityRef: 'component:default/shop',
          environment: 'prod',
          port: 7301,
        },
        { entityRef: 'component:default/shop', environment: 'dev', port: 7302 },
      ],
    });
  });

  it.each([
    [{ command: [] }, 'promotion.deployers.localProcess.command'],
    [{ command: 'node app.js' }, 'promotion.deployers.localProcess.command'],
    [
      { startupTimeout: 'soon' },
      'promotion.deployers.localProcess.startupTimeout',
    ],
    [
      { startupTimeout: { seconds: 0 } },
      'promotion.deployers.localProcess.startupTimeout',
    ],
    [
      { portRange: { from: 9000, to: 8000 } },
      'promotion.deployers.localProcess.portRange',
    ],
    [
      { portRange: { from: 0, to: 10 } },
      'promotion.deployers.localProcess.portRange',
    ],
    [
      {
        stableAddresses: [
          { entityRef: 'shop', environment: 'dev', port: 7301 },
        ],
      },
      'promotion.deployers.localProcess.stableAddresses[0].entityRef',
    ],
    [
      {
        stableAddresses: [
          { entityRef: 'component:default/shop', environment: 'dev', port: 0 },
        ],
      },
      'promotion.deployers.localProcess.stableAddresses[0].port',
    ],
    [
      {
        portRange: { from: 7300, to: 7400 },
        stableAddresses: [
          {
            entityRef: 'component:default/shop',
            environment: 'dev',
            port: 7301,
          },
        ],
      },
      'promotion.deployers.localProcess.stableAddresses[0].port 7301 lies inside',
    ],
    [
      {
        stableAddresses: [
          {
            entityRef: 'component:default/shop',
            environment: 'dev',
            port: 7301,
          },
          {
            entityRef: 'Component:default/Shop',
            environment: 'dev',
            port: 7302,
          },
        ],
      },
      'promotion.deployers.localProcess.stableAddresses[1] repeats',
    ],
    [
      {
        stableAddresses: [
          {
            entityRef: 'component:default/shop',
            environment: 'dev',
            port: 7301,
          },
          {
            entityRef: 'component:default/cart',
            environment: 'dev',
            port: 7301,
          },
        ],
      },
      'promotion.deployers.localProcess.stableAddresses[1].port 7301 is already used',
    ],
  ])('rejects %j naming the key', (localProcess, key) => {
    expect(() => settingsOf(localProcess)).toThrow(key);
  });
});

describe('resolveProcessTarget', () => {
  it('uses the global command and /health without overrides', () => {
    expect(resolveProcessTarget(['node', 'a.js'], undefined)).toEqual({
      command: ['node', 'a.js'],
      healthPath: '/health',
    });
  });

  it('applies the environment overrides', () => {
    expect(
      resolveProcessTarget(
        ['node', 'a.js'],
        new ConfigReader({ command: ['node', 'b.js'], healthPath: '/ready' }),
      ),
    ).toEqual({ command: ['node', 'b.js'], healthPath: '/ready' });
  });

  it('fails without any command', () => {
    expect(() => resolveProcessTarget(undefined, undefined)).toThrow(
      'no command to run',
    );
  });

  it.each(['health', '/a b', ''])('rejects health path %j', healthPath => {
    expect(() =>
      resolveProcessTarget(['node'], new ConfigReader({ healthPath })),
    ).toThrow('deployerConfig.healthPath');
  });
});
