import {
  DEFAULT_PROMETHEUS_QUERIES,
  PROMETHEUS_QUERY_NAMES,
  TemplateValues,
  escapePromQLString,
  formatPromQLDuration,
  renderPromQLTemplate,
  splitEntityRef,
  validatePromQLTemplate,
} from './queries';

const values: TemplateValues = {
  name: 'checkout',
  namespace: 'shop',
  kind: 'component',
  entityRef: 'component:shop/checkout',
  environment: 'staging',
  digest: `sha256:${'a'.repeat(64)}`,
  window: '5m',
};

describe('escapePromQLString', () => {
  it.each([
    ['plain', 'plain'],
    ['say "hi"', 'say \\"hi\\"'],
    ['back\\slash', 'back\\\\slash'],
    ['\\"', '\\\\\\"'],
    ['two\nlines\r', 'two\\nlines\\r'],
  ])('escapes %j', (input, expected) => {
    expect(escapePromQLString(input)).toBe(expected);
  });
});

describe('renderPromQLTemplate', () => {
  it('substitutes every placeholder', () => {
    expect(
      renderPromQLTemplate(
        'x{a="{{name}}",b="{{namespace}}",c="{{kind}}",d="{{entityRef}}",e="{{environment}}",f="{{digest}}"}[{{window}}]',
        values,
      ),
    ).toBe(
      `x{a="checkout",b="shop",c="component",d="component:shop/checkout",e="staging",f="sha256:${'a'.repeat(
        64,
      )}"}[5m]`,
    );
  });

  it('allows spaces inside the braces', () => {
    expect(renderPromQLTemplate('x{a="{{ name }}"}', values)).toBe(
      'x{a="checkout"}',
    );
  });

  it('escapes values so they cannot leave the string literal', () => {
    const name = 'x"}) or vector(1) or max(up{job="y';
    expect(
      renderPromQLTemplate('max(m{service="{{name}}"})', { ...values, name }),
    ).toBe('max(m{service="x\\"}) or vector(1) or max(up{job=\\"y"})');
  });

  it('escapes a trailing backslash that would otherwise eat the closing quote', () => {
    expect(
      renderPromQLTemplate('m{a="{{name}}",b="c"}', {
        ...values,
        name: 'evil\\',
      }),
    ).toBe('m{a="evil\\\\",b="c"}');
  });

  it('keeps escaped quotes of the template inside the string', () => {
    expect(renderPromQLTemplate('m{a="q\\"{{name}}"}', values)).toBe(
      'm{a="q\\"checkout"}',
    );
  });

  it.each([
    ['an unquoted placeholder', 'm{service={{name}}}'],
    ['a single-quoted placeholder', "m{service='{{name}}'}"],
    ['a raw-string placeholder', 'm{service=`{{name}}`}'],
    ['a placeholder after a closed string', 'm{a="b"} or {{name}}'],
  ])('rejects %s, which escaping cannot protect', (_, template) => {
    expect(() => renderPromQLTemplate(template, values)).toThrow(
      /must sit inside a double-quoted string/,
    );
  });

  it('ignores quotes in comments', () => {
    expect(
      renderPromQLTemplate('# don\'t "panic\nm{a="{{name}}"}', values),
    ).toBe('# don\'t "panic\nm{a="checkout"}');
  });

  it('rejects unknown placeholders', () => {
    expect(() => renderPromQLTemplate('m{a="{{service}}"}', values)).toThrow(
      'unknown placeholder {{service}}',
    );
  });

  it('rejects {{digest}} when the query has no digest', () => {
    expect(() =>
      renderPromQLTemplate('m{d="{{digest}}"}', {
        ...values,
        digest: undefined,
      }),
    ).toThrow(/no value/);
  });

  it('rejects an unterminated string', () => {
    expect(() => renderPromQLTemplate('m{a="b}', values)).toThrow(
      /unterminated/,
    );
  });
});

describe('DEFAULT_PROMETHEUS_QUERIES', () => {
  it('has a valid template for every query name', () => {
    for (const name of PROMETHEUS_QUERY_NAMES) {
      expect(() =>
        validatePromQLTemplate(DEFAULT_PROMETHEUS_QUERIES[name]),
      ).not.toThrow();
    }
  });

  it('scopes the SLO counts to the window', () => {
    expect(
      renderPromQLTemplate(DEFAULT_PROMETHEUS_QUERIES.sloTotal, values),
    ).toBe(
      'sum(increase(http_requests_total{service="checkout",environment="staging"}[5m]))',
    );
  });
});

describe('formatPromQLDuration', () => {
  it.each([
    [1, '1s'],
    [90, '90s'],
    [300, '5m'],
    [3600, '1h'],
    [5400, '90m'],
    [21600, '6h'],
  ])('formats %d seconds as %s', (seconds, expected) => {
    expect(formatPromQLDuration(seconds)).toBe(expected);
  });

  it.each([0, -5, 1.5, NaN])('rejects %d', seconds => {
    expect(() => formatPromQLDuration(seconds)).toThrow(/whole number/);
  });
});

describe('splitEntityRef', () => {
  it('splits a full reference', () => {
    expect(splitEntityRef('component:shop/checkout')).toEqual({
      kind: 'component',
      namespace: 'shop',
      name: 'checkout',
    });
  });

  it('defaults kind and namespace like the catalog does', () => {
    expect(splitEntityRef('checkout')).toEqual({
      kind: 'component',
      namespace: 'default',
      name: 'checkout',
    });
  });

  it('rejects an empty name', () => {
    expect(() => splitEntityRef('component:shop/')).toThrow(/invalid entity/);
  });
});
