import { ConfigReader } from '@backstage/config';
import { readPipelines } from '../../config/pipelines';
import { validateIncidentGates } from './index';
import { matcherProblem, renderMatchers } from './matchers';

describe('incident gate matchers', () => {
  it.each([
    'service="{{name}}"',
    'environment!="dev"',
    'severity=~"critical|page"',
    'team!~"platform-.*"',
    'summary="say \\"hi\\""',
  ])('accepts %s', matcher => {
    expect(matcherProblem(matcher)).toBeUndefined();
  });

  it.each([
    ['environment=prod', /is not a label matcher/],
    ['9lives="x"', /is not a label matcher/],
    ['service="{{service}}"', /uses \{\{service\}\}; known: \{\{name\}\}/],
    ['service=~"("', /invalid regular expression/],
    ['', /must be a label matcher/],
    [`service="${'x'.repeat(500)}"`, /longer than 500/],
  ])('refuses %j', (matcher, problem) => {
    expect(matcherProblem(matcher)).toMatch(problem);
  });

  it('fills in the service and environment, quoting what could end the value', () => {
    expect(
      renderMatchers(
        [
          'service="{{name}}"',
          'ref="{{ entityRef }}"',
          'ns="{{namespace}}"',
          'environment="{{environment}}"',
        ],
        'component:default/shop',
        'prod',
      ),
    ).toEqual([
      'service="shop"',
      'ref="component:default/shop"',
      'ns="default"',
      'environment="prod"',
    ]);
    expect(
      renderMatchers(
        ['env="{{environment}}"'],
        'component:default/shop',
        'a"b',
      ),
    ).toEqual(['env="a\\"b"']);
  });
});

describe('validateIncidentGates', () => {
  function pipelinesWith(gate: object) {
    return readPipelines(
      new ConfigReader({
        promotion: {
          pipelines: {
            standard: {
              environments: [
                { name: 'dev', deployer: 'fake' },
                { name: 'prod', deployer: 'fake', gates: ['window', gate] },
              ],
            },
          },
        },
      }),
    );
  }
  const key = 'promotion.pipelines.standard.environments[1].gates[1]';

  it('accepts a gate naming a known source and valid matchers', () => {
    expect(() =>
      validateIncidentGates(
        pipelinesWith({
          name: 'incident',
          source: 'alertmanager',
          matchers: ['service="{{name}}"'],
        }),
        ['alertmanager'],
      ),
    ).not.toThrow();
  });

  it.each([
    [{ matchers: ['a="b"'] }, [], `'${key}': option 'source' is required`],
    [{ source: 'alertmanager' }, [], `'${key}': option 'matchers' must list`],
    [
      { source: 'alertmanager', matchers: [] },
      [],
      `'${key}': option 'matchers' must list`,
    ],
    [
      { source: 'opsgenie', matchers: ['a="b"'] },
      ['alertmanager'],
      `'${key}.source': unknown alert source 'opsgenie' (known: alertmanager)`,
    ],
    [
      { source: 'alertmanager', matchers: ['a="b"'] },
      [],
      `'${key}.source': unknown alert source 'alertmanager' (known: none`,
    ],
    [
      { source: 'alertmanager', matchers: ['a="b"', 'environment=prod'] },
      ['alertmanager'],
      `'${key}.matchers[1]': 'environment=prod' is not a label matcher`,
    ],
  ])('refuses %j naming the key', (options, sources, message) => {
    expect(() =>
      validateIncidentGates(
        pipelinesWith({ name: 'incident', ...options }),
        sources as string[],
      ),
    ).toThrow(message);
  });
});
