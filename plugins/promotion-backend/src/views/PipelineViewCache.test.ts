import { PipelineViewCache } from './PipelineViewCache';

describe('PipelineViewCache', () => {
  let now = 0;
  const clock = () => now;
  const SERVICE = 'component:default/payments';
  beforeEach(() => {
    now = 1_000;
  });

  /** A build that answers its call number, so a test sees which build served. */
  function counting() {
    let calls = 0;
    return jest.fn(async () => Buffer.from(String(++calls)));
  }

  it('serves the body built under an ETag until the ETag changes', async () => {
    const cache = new PipelineViewCache(3_000, clock);
    const build = counting();
    expect(String(await cache.get(SERVICE, 'v1', build))).toBe('1');
    expect(String(await cache.get(SERVICE, 'v1', build))).toBe('1');
    // A write changed the version: the next GET builds again.
    expect(String(await cache.get(SERVICE, 'v2', build))).toBe('2');
    expect(String(await cache.get(SERVICE, 'v2', build))).toBe('2');
    // A caller that read the older version never gets a body older than it.
    expect(String(await cache.get(SERVICE, 'v1', build))).toBe('3');
  });

  it('builds an unchanged view again beside its callers once its lifetime has passed', async () => {
    const cache = new PipelineViewCache(3_000, clock);
    const build = counting();
    await cache.get(SERVICE, 'v1', build);
    now += 2_999;
    expect(String(await cache.get(SERVICE, 'v1', build))).toBe('1');
    expect(build).toHaveBeenCalledTimes(1);
    now += 1;
    // The caller does not wait: it gets the body of the same version...
    expect(String(await cache.get(SERVICE, 'v1', build))).toBe('1');
    expect(build).toHaveBeenCalledTimes(2);
    await new Promise(setImmediate);
    // ...and the next one the new build, kept for a lifetime again.
    expect(String(await cache.get(SERVICE, 'v1', build))).toBe('2');
    now += 2_999;
    expect(String(await cache.get(SERVICE, 'v1', build))).toBe('2');
    expect(build).toHaveBeenCalledTimes(2);
  });

  it('never lets a rebuild of an old version replace a newer one', async () => {
    const cache = new PipelineViewCache(3_000, clock);
    await cache.get(SERVICE, 'v1', async () => Buffer.from('old'));
    now += 3_000;
    let finish!: (body: Buffer) => void;
    const slow = () => new Promise<Buffer>(r => (finish = r));
    expect(String(await cache.get(SERVICE, 'v1', slow))).toBe('old');
    // A write: the next GET builds its own view at once.
    expect(
      String(await cache.get(SERVICE, 'v2', async () => Buffer.from('new'))),
    ).toBe('new');
    finish(Buffer.from('old again'));
    await new Promise(setImmediate);
    const never = jest.fn(async () => Buffer.from('unexpected'));
    expect(String(await cache.get(SERVICE, 'v2', never))).toBe('new');
    expect(never).not.toHaveBeenCalled();
  });

  it('keeps serving an unchanged view when its rebuild fails, and tries again', async () => {
    const cache = new PipelineViewCache(3_000, clock);
    await cache.get(SERVICE, 'v1', async () => Buffer.from('first'));
    now += 3_000;
    const failing = jest.fn(async (): Promise<Buffer> => {
      throw new Error('database gone');
    });
    expect(String(await cache.get(SERVICE, 'v1', failing))).toBe('first');
    await new Promise(setImmediate);
    expect(String(await cache.get(SERVICE, 'v1', failing))).toBe('first');
    expect(failing).toHaveBeenCalledTimes(2);
  });

  it('keeps each service apart', async () => {
    const cache = new PipelineViewCache(3_000, clock);
    const build = counting();
    await cache.get(SERVICE, 'v1', build);
    expect(
      String(await cache.get('component:default/checkout', 'v1', build)),
    ).toBe('2');
    expect(String(await cache.get(SERVICE, 'v1', build))).toBe('1');
  });

  it('shares one build among concurrent callers of one ETag', async () => {
    const cache = new PipelineViewCache(3_000, clock);
    let finish!: (body: Buffer) => void;
    const build = jest.fn(() => new Promise<Buffer>(r => (finish = r)));
    const both = Promise.all([
      cache.get(SERVICE, 'v1', build),
      cache.get(SERVICE, 'v1', build),
    ]);
    finish(Buffer.from('view'));
    expect((await both).map(String)).toEqual(['view', 'view']);
    expect(build).toHaveBeenCalledTimes(1);
  });

  it('does not keep a failed build', async () => {
    const cache = new PipelineViewCache(3_000, clock);
    await expect(
      cache.get(SERVICE, 'v1', async () => {
        throw new Error('database gone');
      }),
    ).rejects.toThrow('database gone');
    expect(
      String(await cache.get(SERVICE, 'v1', async () => Buffer.from('ok'))),
    ).toBe('ok');
  });

  it('builds every time with a lifetime of zero', async () => {
    const cache = new PipelineViewCache(0, clock);
    const build = counting();
    await cache.get(SERVICE, 'v1', build);
    expect(String(await cache.get(SERVICE, 'v1', build))).toBe('2');
  });

  it('drops the service built longest ago beyond its size', async () => {
    const cache = new PipelineViewCache(3_000, clock, 2);
    const build = counting();
    await cache.get('a', 'v1', build);
    await cache.get('b', 'v1', build);
    await cache.get('c', 'v1', build);
    expect(build).toHaveBeenCalledTimes(3);
    await cache.get('c', 'v1', build);
    await cache.get('b', 'v1', build);
    expect(build).toHaveBeenCalledTimes(3);
    await cache.get('a', 'v1', build);
    expect(build).toHaveBeenCalledTimes(4);
  });
});
