import { ReadCache } from './ReadCache';

describe('ReadCache', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000;
  });

  it('reuses an answer for its lifetime, then asks again', async () => {
    const cache = new ReadCache<number>(3_000, clock);
    let calls = 0;
    const load = jest.fn(async (): Promise<number> => ++calls);
    expect(await cache.get('a', load)).toBe(1);
    now += 2_999;
    expect(await cache.get('a', load)).toBe(1);
    now += 1;
    expect(await cache.get('a', load)).toBe(2);
    expect(await cache.get('b', load)).toBe(3);
  });

  it('shares one lookup among concurrent callers', async () => {
    const cache = new ReadCache<string>(3_000, clock);
    let resolve!: (v: string) => void;
    const load = jest.fn(() => new Promise<string>(r => (resolve = r)));
    const both = Promise.all([cache.get('a', load), cache.get('a', load)]);
    resolve('entity');
    expect(await both).toEqual(['entity', 'entity']);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('does not keep a failure: the next caller asks again', async () => {
    const cache = new ReadCache<string>(3_000, clock);
    await expect(
      cache.get('a', async () => {
        throw new Error('not in the catalog');
      }),
    ).rejects.toThrow('not in the catalog');
    expect(await cache.get('a', async () => 'found')).toBe('found');
  });

  it('asks every time with a lifetime of zero', async () => {
    const cache = new ReadCache<number>(0, clock);
    let calls = 0;
    const load = jest.fn(async (): Promise<number> => ++calls);
    expect(await cache.get('a', load)).toBe(1);
    expect(await cache.get('a', load)).toBe(2);
  });

  it('drops the oldest entries beyond its size', async () => {
    const cache = new ReadCache<string>(3_000, clock, 2);
    const load = jest.fn(async () => 'x');
    await cache.get('a', load);
    await cache.get('b', load);
    await cache.get('c', load);
    await cache.get('c', load);
    await cache.get('b', load);
    expect(load).toHaveBeenCalledTimes(3);
    await cache.get('a', load);
    expect(load).toHaveBeenCalledTimes(4);
  });
});
