import { ResponseError } from '@backstage/errors';
import {
  errorMessage,
  formatDuration,
  formatRelative,
  shortDigest,
  shortenDigests,
} from './format';

describe('format', () => {
  it('shortens a digest to 12 hex characters', () => {
    expect(shortDigest(`sha256:${'ab'.repeat(32)}`)).toBe('abababababab');
  });

  it('shortens every full digest inside a text', () => {
    const a = `sha256:${'a'.repeat(64)}`;
    const b = `sha256:${'b1'.repeat(32)}`;
    expect(shortenDigests(`replaced by ${a} after ${b}`)).toBe(
      'replaced by aaaaaaaaaaaa after b1b1b1b1b1b1',
    );
    expect(shortenDigests('sha256:abc stays')).toBe('sha256:abc stays');
  });

  it('says how long ago something happened', () => {
    const now = Date.parse('2024-05-01T12:00:00Z');
    expect(formatRelative('2024-05-01T11:57:00Z', now)).toBe('3 minutes ago');
    expect(formatRelative('2024-04-29T12:00:00Z', now)).toBe('2 days ago');
    expect(formatRelative('2024-05-01T12:00:00Z', now)).toBe('now');
  });

  it('formats durations', () => {
    expect(formatDuration(40_000)).toBe('40 s');
    expect(formatDuration(11 * 60_000)).toBe('11 min');
    expect(formatDuration(125 * 60_000)).toBe('2 h 5 min');
    expect(formatDuration(72 * 3600_000)).toBe('3 d');
  });

  it('prefers the server message of a ResponseError', async () => {
    const error = await ResponseError.fromResponse(
      new Response(
        JSON.stringify({
          error: { name: 'NotAllowedError', message: 'you are the author' },
          response: { statusCode: 403 },
        }),
        { status: 403, headers: { 'Content-Type': 'application/json' } },
      ) as any,
    );
    expect(errorMessage(error)).toBe('you are the author');
    expect(errorMessage(new Error('boom'))).toBe('boom');
  });
});
