import { parseApiResponse, parseSampleValue } from './client';

describe('parseSampleValue', () => {
  it.each([
    ['0.25', 0.25],
    ['1e3', 1000],
    ['-2', -2],
    ['+Inf', Infinity],
    ['-Inf', -Infinity],
  ])('parses %s', (raw, expected) => {
    expect(parseSampleValue(raw)).toBe(expected);
  });

  it('parses NaN', () => {
    expect(parseSampleValue('NaN')).toBeNaN();
  });

  it.each(['', 'abc', '1,5'])('rejects %j', raw => {
    expect(() => parseSampleValue(raw)).toThrow(/not a number/);
  });

  it('rejects a non-string value', () => {
    expect(() => parseSampleValue(1)).toThrow(/must be a string/);
  });
});

describe('parseApiResponse', () => {
  it('returns data of a success', () => {
    expect(
      parseApiResponse(
        200,
        '{"status":"success","data":{"resultType":"vector","result":[]}}',
      ),
    ).toEqual({ resultType: 'vector', result: [] });
  });

  it("surfaces Prometheus' own error", () => {
    expect(() =>
      parseApiResponse(
        422,
        '{"status":"error","errorType":"execution","error":"query timed out"}',
      ),
    ).toThrow('Prometheus query failed (HTTP 422, execution): query timed out');
  });

  it('rejects a body that is not JSON, e.g. from a proxy', () => {
    expect(() => parseApiResponse(502, '<html>Bad Gateway</html>')).toThrow(
      /HTTP 502 with a body that is not a Prometheus API response: <html>/,
    );
  });

  it('rejects a JSON error without the Prometheus envelope', () => {
    expect(() => parseApiResponse(500, '{"message":"boom"}')).toThrow(
      'Prometheus answered HTTP 500: {"message":"boom"}',
    );
  });

  it('rejects a success status without data', () => {
    expect(() => parseApiResponse(200, '{"status":"success"}')).toThrow(
      /unexpected body/,
    );
  });
});
