import type {
  Artifact,
  MigrationEvidence,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import type { TypedGate } from '@promotion-pipeline/backstage-plugin-promotion-node';

const describe = (a: Artifact) => `${a.version} (${a.digest.slice(7, 19)})`;

/**
 * Whether `code` can run against the schema `schemaOwner` leaves behind.
 * An artifact's code is written for its own schema version; an artifact's
 * migration stays usable by code down to its minCompatibleSchemaVersion
 * (expand/contract: only a contract step raises it).
 */
function clash(code: Artifact, schemaOwner: Artifact): string | undefined {
  const schema = schemaOwner.migration;
  if (!schema) return undefined;
  const codeLevel = code.migration?.schemaVersion;
  if (codeLevel === undefined) {
    return schema.minCompatibleSchemaVersion > 0
      ? `${describe(
          code,
        )} declares no schema version, so it cannot be shown to run against schema ${
          schema.schemaVersion
        } of ${describe(schemaOwner)} (needs code for schema >= ${
          schema.minCompatibleSchemaVersion
        })`
      : undefined;
  }
  if (codeLevel < schema.minCompatibleSchemaVersion) {
    return `${describe(code)} is written for schema ${codeLevel}, but schema ${
      schema.schemaVersion
    } of ${describe(schemaOwner)} needs code for schema >= ${
      schema.minCompatibleSchemaVersion
    }`;
  }
  return undefined;
}

/**
 * Keeps rollback safe: the artifact running in the target environment now
 * must be able to run against the incoming artifact's schema, and the
 * incoming artifact's code must run against the schema already there. Never
 * skipped for rollbacks.
 */
export const migrationGate: TypedGate<MigrationEvidence> = {
  name: 'migration',
  async evaluate(context) {
    const incoming = context.artifact;
    const running = context.targetArtifact;
    if (!running || running.id === incoming.id) {
      return {
        verdict: 'passed',
        reason: 'nothing else runs in the target environment',
      };
    }
    const problems = [
      clash(running, incoming),
      clash(incoming, running),
    ].filter((p): p is string => Boolean(p));
    const evidence: MigrationEvidence = {
      incoming: incoming.migration ?? null,
      running: running.migration ?? null,
    };
    if (problems.length > 0) {
      return {
        verdict: 'failed',
        reason: `schema clash: ${problems.join('; ')}`,
        evidence,
      };
    }
    return {
      verdict: 'passed',
      reason: `schema compatible with ${describe(running)}`,
      evidence,
    };
  },
};
