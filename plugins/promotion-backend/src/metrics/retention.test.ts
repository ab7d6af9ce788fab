import { ConfigReader } from '@backstage/config';
import { SoakSampleStore } from './SoakSampleStore';
import { pruneSoakSamples, readSoakSampleRetentionMs } from './retention';

describe('soak sample retention', () => {
  const config = (retention?: unknown) =>
    new ConfigReader(
      retention === undefined
        ? {}
        : { promotion: { soakSamples: { retention } } },
    );

  it('defaults to 30 days and reads Backstage durations', () => {
    expect(readSoakSampleRetentionMs(config())).toBe(30 * 86_400_000);
    expect(readSoakSampleRetentionMs(config('14d'))).toBe(14 * 86_400_000);
    expect(readSoakSampleRetentionMs(config({ hours: 6 }))).toBe(21_600_000);
  });

  it('names the key of a bad value', () => {
    expect(() => readSoakSampleRetentionMs(config('forever'))).toThrow(
      /^Invalid promotion config at 'promotion.soakSamples.retention': unreadable duration/,
    );
    expect(() => readSoakSampleRetentionMs(config('0ms'))).toThrow(
      "Invalid promotion config at 'promotion.soakSamples.retention': must be longer than zero",
    );
  });

  it('prunes samples older than the retention', async () => {
    const cutoffs: Date[] = [];
    const samples = {
      deleteSamplesBefore: async (cutoff: Date) => {
        cutoffs.push(cutoff);
        return 3;
      },
    } as unknown as SoakSampleStore;
    await expect(
      pruneSoakSamples(samples, 86_400_000, new Date('2026-11-23T12:00:00Z')),
    ).resolves.toBe(3);
    expect(cutoffs).toEqual([new Date('2026-11-22T12:00:00Z')]);
  });
});
