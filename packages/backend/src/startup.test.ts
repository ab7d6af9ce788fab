import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnBackend } from './backendProcess';
import { startOrExit } from './startOrExit';

jest.setTimeout(120_000);

/**
 * Runs the real entry (`src/index.ts`, as `backstage-cli package start` does)
 * on the demo config plus `overrides`, on a free port; resolves with its exit
 * code and output, or with `running` if it is still up after `timeoutMs`.
 */
function runBackend(
  overrides: object,
  timeoutMs = 90_000,
): Promise<{ code: number | null | 'running'; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'backend-startup-test-'));
  const extra = join(dir, 'app-config.test.yaml');
  // JSON is YAML; port 0 keeps clear of a running demo portal.
  writeFileSync(
    extra,
    JSON.stringify({ backend: { listen: { port: 0 } }, ...overrides }),
  );
  const child = spawnBackend(extra);
  let output = '';
  child.stdout.on('data', d => (output += d));
  child.stderr.on('data', d => (output += d));
  return new Promise(resolveRun => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolveRun({ code: 'running', output });
    }, timeoutMs);
    child.once('exit', code => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      resolveRun({ code, output });
    });
  });
}

describe('the backend entry', () => {
  it('exits non-zero on an invalid calendar, naming the key', async () => {
    const { code, output } = await runBackend({
      promotion: {
        calendars: { 'prod-calendar': { timezone: 'Mars/Olympus_Mons' } },
      },
    });
    expect(code).toBe(1);
    expect(output).toContain('The backend refuses to start');
    expect(output).toContain('promotion.calendars.prod-calendar.timezone');
  });

  it('exits non-zero when a module fails to boot, naming the key', async () => {
    // The local deployer stands in for every promotion module here; a module
    // failure takes the same path as a plugin failure.
    const { code, output } = await runBackend({
      promotion: { deployers: { localProcess: { startupTimeout: 'soon' } } },
    });
    expect(code).toBe(1);
    expect(output).toContain(
      "Module 'local-deployer' for plugin 'promotion' startup failed",
    );
    expect(output).toContain('promotion.deployers.localProcess.startupTimeout');
  });
});

describe('startOrExit', () => {
  it('exits with 1 and reports the error when start rejects', async () => {
    const exit = jest.fn();
    const report = jest.fn();
    await startOrExit(
      {
        start: () =>
          Promise.reject(
            new Error(
              "Module 'alertmanager' for plugin 'promotion' startup failed; caused by Error: promotion.pagers.alertmanager.url is required",
            ),
          ),
      },
      exit,
      report,
    );
    expect(exit).toHaveBeenCalledWith(1);
    expect(report.mock.calls[0][0]).toContain(
      'promotion.pagers.alertmanager.url',
    );
  });

  it('does not exit when the backend starts', async () => {
    const exit = jest.fn();
    await startOrExit({ start: async () => ({}) }, exit, jest.fn());
    expect(exit).not.toHaveBeenCalled();
  });
});
