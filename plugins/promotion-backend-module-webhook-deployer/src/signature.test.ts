import { signWebhookBody, verifyWebhookSignature } from './signature';

const secret = 'test-secret';
const body = '{"hello":"world"}';
const timestamp = 1700000000;
const now = new Date(timestamp * 1000);

describe('signWebhookBody', () => {
  it('signs "<timestamp>.<body>" with HMAC-SHA256 as the documented recipe says', () => {
    // Computed independently: printf '1700000000.{"hello":"world"}' | openssl dgst -sha256 -hmac test-secret
    expect(signWebhookBody(secret, timestamp, body)).toBe(
      'sha256=f85455a1b55ea86f7a15f5f9923d0abc4b888da84ec485f2ff358f427776beca',
    );
  });

  it('signs bytes and text of the same body alike', () => {
    expect(signWebhookBody(secret, timestamp, Buffer.from(body))).toBe(
      signWebhookBody(secret, timestamp, body),
    );
  });
});

describe('verifyWebhookSignature', () => {
  const header = signWebhookBody(secret, timestamp, body);

  it('accepts a signature made with the same secret, timestamp and body', () => {
    expect(
      verifyWebhookSignature(secret, String(timestamp), body, header, { now }),
    ).toBe(true);
    expect(
      verifyWebhookSignature(secret, timestamp, Buffer.from(body), header, {
        now,
      }),
    ).toBe(true);
  });

  it.each([
    ['a tampered body', secret, timestamp, '{"hello":"World"}', header],
    ['a different secret', 'other-secret', timestamp, body, header],
    ['a different timestamp', secret, timestamp + 1, body, header],
    ['a missing header', secret, timestamp, body, undefined],
    ['a missing timestamp', secret, undefined, body, header],
    [
      'a header without the sha256= prefix',
      secret,
      timestamp,
      body,
      header.slice(7),
    ],
    ['a truncated signature', secret, timestamp, body, header.slice(0, -2)],
    ['a non-numeric timestamp', secret, '17e8', body, header],
    ['an empty secret', '', timestamp, body, header],
  ])('rejects %s', (_what, key, ts, payload, sig) => {
    expect(verifyWebhookSignature(key, ts, payload, sig, { now })).toBe(false);
  });

  it('rejects timestamps outside the tolerance in either direction', () => {
    const at = (offsetSeconds: number) =>
      new Date((timestamp + offsetSeconds) * 1000);
    const verify = (offset: number, toleranceSeconds?: number) =>
      verifyWebhookSignature(secret, timestamp, body, header, {
        now: at(offset),
        toleranceSeconds,
      });
    expect(verify(300)).toBe(true);
    expect(verify(301)).toBe(false);
    expect(verify(-301)).toBe(false);
    expect(verify(30, 10)).toBe(false);
    expect(verify(10, 10)).toBe(true);
  });

  it('uses the wall clock by default, so an old signature is stale', () => {
    expect(verifyWebhookSignature(secret, timestamp, body, header)).toBe(false);
    const fresh = Math.floor(Date.now() / 1000);
    expect(
      verifyWebhookSignature(
        secret,
        fresh,
        body,
        signWebhookBody(secret, fresh, body),
      ),
    ).toBe(true);
  });
});
