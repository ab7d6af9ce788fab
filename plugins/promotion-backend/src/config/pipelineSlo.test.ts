import { ConfigReader } from '@backstage/config';
import { validateSloProviders } from '../autoRollback/AutoRollback';
import { readPipelines } from './pipelines';

const pipelinesWith = (slo: object, prodSlo?: object) =>
  readPipelines(
    new ConfigReader({
      promotion: {
        pipelines: {
          standard: {
            slo,
            environments: [
              { name: 'staging', deployer: 'fake' },
              {
                name: 'prod',
                deployer: 'fake',
                ...(prodSlo ? { slo: prodSlo } : {}),
              },
            ],
          },
        },
      },
    }),
  );

describe('SLO per pipeline and environment', () => {
  it('gives every environment the pipeline SLO unless it sets its own', () => {
    const standard = pipelinesWith(
      { objective: 0.99 },
      { objective: 0.999, provider: 'prometheus' },
    ).get('standard')!;
    expect(standard.environments[0].slo).toMatchObject({
      objective: 0.99,
      provider: 'push',
    });
    expect(standard.environments[1].slo).toMatchObject({
      objective: 0.999,
      provider: 'prometheus',
    });
  });

  it('names the key of a bad environment SLO', () => {
    expect(() =>
      pipelinesWith({ objective: 0.99 }, { objective: 99.9 }),
    ).toThrow(
      "Invalid promotion config at 'promotion.pipelines.standard.environments[1].slo.objective'",
    );
  });

  it('stops start-up when an SLO names a provider that is not installed', () => {
    const pipelines = pipelinesWith(
      { objective: 0.99 },
      { objective: 0.999, provider: 'prometheus' },
    );
    expect(() => validateSloProviders(pipelines, ['push'])).toThrow(
      "Invalid promotion config at 'promotion.pipelines.standard.environments[1].slo.provider': unknown metrics provider 'prometheus' (known: push)",
    );
    expect(() =>
      validateSloProviders(pipelines, ['push', 'prometheus']),
    ).not.toThrow();
  });
});
