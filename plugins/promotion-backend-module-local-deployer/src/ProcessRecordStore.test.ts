import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ProcessRecord, ProcessRecordStore } from './ProcessRecordStore';
import { tempDir } from './testHelpers';

function record(
  key: string,
  extra: Partial<ProcessRecord> = {},
): ProcessRecord {
  return {
    key,
    entityRef: 'component:default/shop',
    environment: 'dev',
    digest: `sha256:${'a'.repeat(64)}`,
    version: '1.0.0',
    command: ['node', 'server.js'],
    healthPath: '/health',
    port: 4000,
    owner: { pid: process.pid, instance: 'test' },
    startedAt: new Date().toISOString(),
    ...extra,
  };
}

describe('ProcessRecordStore', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let store: ProcessRecordStore;

  beforeEach(async () => {
    dir = await tempDir();
    store = new ProcessRecordStore(dir.path);
    await store.init();
  });

  afterEach(() => dir.remove());

  it('lets exactly one of many concurrent claims of a key win', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.claim(record('k', { port: 4000 + i })),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect((await store.read('k'))?.port).toBe(4000 + winner);
    // No temp files are left behind.
    expect(await readdir(dir.path)).toHaveLength(1);
  });

  it('keeps keys with path characters inside the directory', async () => {
    await store.claim(record('../../etc/passwd'));
    expect((await store.read('../../etc/passwd'))?.key).toBe(
      '../../etc/passwd',
    );
    expect(await readdir(dir.path)).toHaveLength(1);
  });

  it('serialises updates of one key', async () => {
    await store.claim(record('k', { port: 0 }));
    await Promise.all(
      Array.from({ length: 20 }, () =>
        store.update('k', r => ({ ...r, port: r.port + 1 })),
      ),
    );
    expect((await store.read('k'))?.port).toBe(20);
  });

  it('returns undefined for unknown keys and throws on corrupt records', async () => {
    expect(await store.read('unknown')).toBeUndefined();
    expect(await store.update('unknown', r => r)).toBeUndefined();

    await store.claim(record('k'));
    const [file] = await readdir(dir.path);
    await writeFile(join(dir.path, file), '{"key": "k"');
    await expect(store.read('k')).rejects.toThrow('corrupt');
    expect(await store.list()).toEqual([]);
  });

  it('lists every readable record', async () => {
    await store.claim(record('a'));
    await store.claim(record('b'));
    await writeFile(join(dir.path, 'junk.json'), 'not json');
    expect((await store.list()).map(r => r.key).sort()).toEqual(['a', 'b']);
  });
});
