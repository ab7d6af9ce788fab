import type { DeployRequest } from '@promotion-pipeline/backstage-plugin-promotion-node';

/**
 * The only variables taken from the backend's own environment: enough to find
 * and run programs, never the backend's credentials.
 */
const INHERITED_NAMES = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LC_ALL',
  'TZ',
  'TMPDIR',
  'TMP',
  'TEMP',
  'SYSTEMROOT',
  'COMSPEC',
  'PATHEXT',
  'WINDIR',
];

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Builds the environment of a deployment's process: a few inherited
 * variables, then the environment's variables, then the deployer's own
 * (which the environment cannot override). Throws on a name or value a
 * process environment cannot hold.
 */
export function buildProcessEnvironment(
  request: DeployRequest,
  port: number,
  inherited: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED_NAMES) {
    const value = inherited[name];
    if (value !== undefined) {
      env[name] = value;
    }
  }
  for (const [name, value] of Object.entries(request.variables)) {
    if (!VARIABLE_NAME.test(name)) {
      throw new Error(
        `variable name "${name}" is not a valid environment variable name`,
      );
    }
    if (value.includes('\0')) {
      throw new Error(`variable ${name} contains a NUL character`);
    }
    env[name] = value;
  }
  const { artifact } = request;
  return {
    ...env,
    PORT: String(port),
    ARTIFACT_DIGEST: artifact.digest,
    ARTIFACT_VERSION: artifact.version,
    ARTIFACT_COMMIT: artifact.commit,
    ARTIFACT_LABELS: artifact.labels.join(','),
    ENVIRONMENT: request.environment,
    ENTITY_REF: request.entityRef,
    DEPLOYMENT_ID: request.idempotencyKey,
    PROMOTION_VARIABLES: Object.keys(request.variables).join(','),
    // Names only: the process resolves secret values itself.
    PROMOTION_SECRET_REFS: request.secretRefs.join(','),
  };
}
