import { buildProcessEnvironment } from './environment';
import { makeRequest } from './testHelpers';

describe('buildProcessEnvironment', () => {
  const inherited = {
    PATH: '/usr/bin',
    HOME: '/home/backstage',
    POSTGRES_PASSWORD: 'hunter2',
    GITHUB_TOKEN: 'ghp_secret',
  };

  it('passes variables, artifact facts and secret names, but not the backend environment', () => {
    const request = makeRequest({
      idempotencyKey: 'deployment-1',
      environment: 'prod',
      labels: ['payment', 'demo:errors'],
      variables: { LOG_LEVEL: 'warn' },
      secretRefs: ['PAYMENT_GATEWAY_KEY', 'DB_URL'],
    });

    expect(buildProcessEnvironment(request, 4321, inherited)).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/backstage',
      LOG_LEVEL: 'warn',
      PORT: '4321',
      ARTIFACT_DIGEST: request.artifact.digest,
      ARTIFACT_VERSION: request.artifact.version,
      ARTIFACT_COMMIT: 'c0ffee',
      ARTIFACT_LABELS: 'payment,demo:errors',
      ENVIRONMENT: 'prod',
      ENTITY_REF: 'component:default/shop',
      DEPLOYMENT_ID: 'deployment-1',
      PROMOTION_VARIABLES: 'LOG_LEVEL',
      PROMOTION_SECRET_REFS: 'PAYMENT_GATEWAY_KEY,DB_URL',
    });
  });

  it('does not let variables override what the deployer sets', () => {
    const request = makeRequest({
      variables: { PORT: '80', ENVIRONMENT: 'prod' },
      environment: 'dev',
    });
    const env = buildProcessEnvironment(request, 4321, inherited);
    expect(env.PORT).toBe('4321');
    expect(env.ENVIRONMENT).toBe('dev');
  });

  it.each([
    [{ 'BAD-NAME': 'x' }, 'BAD-NAME'],
    [{ 'A=B': 'x' }, 'A=B'],
    [{ OK: 'nul\0byte' }, 'NUL'],
  ])('rejects %j', (variables, message) => {
    expect(() =>
      buildProcessEnvironment(makeRequest({ variables }), 1, inherited),
    ).toThrow(message);
  });
});
