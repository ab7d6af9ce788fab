import { ConflictError } from '@backstage/errors';
import type { TestResult } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { normalizeEntityRef } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { v4 as uuid } from 'uuid';
import { artifactFromRow, testResultFromRow } from './rows';
import { whereAnyOf } from './bulk';
import {
  ArtifactRecord,
  ChangeContext,
  NewArtifact,
  NewTestResult,
} from './PromotionStore';
import { ArtifactRow } from './tables';
import { EventTable } from './EventTable';

function sameImmutableFields(row: ArtifactRow, input: NewArtifact): string[] {
  const differences: string[] = [];
  const compare = (field: string, stored: unknown, given: unknown) => {
    if (JSON.stringify(stored ?? null) !== JSON.stringify(given ?? null)) {
      differences.push(field);
    }
  };
  compare('version', row.version, input.version);
  compare('commit', row.commit, input.commit);
  compare(
    'author',
    row.author && normalizeEntityRef(row.author),
    input.author && normalizeEntityRef(input.author),
  );
  compare('labels', JSON.parse(row.labels), input.labels);
  compare('changedPaths', JSON.parse(row.changed_paths), input.changedPaths);
  compare(
    'migration',
    row.migration ? JSON.parse(row.migration) : null,
    input.migration,
  );
  return differences;
}

/** Artifacts and their test reports. */
export abstract class ArtifactTable extends EventTable {
  async registerArtifact(
    given: NewArtifact,
    testResults: NewTestResult[],
    actor: string,
    now: Date,
  ): Promise<{ artifact: ArtifactRecord; created: boolean }> {
    const input = {
      ...given,
      author: given.author && normalizeEntityRef(given.author),
    };
    return this.transaction(async tx => {
      const self = tx as unknown as ArtifactTable;
      const existing = await self
        .db<ArtifactRow>('promotion_artifacts')
        .where({ entity_ref: input.entityRef, digest: input.digest })
        .first();
      if (existing) {
        const differences = sameImmutableFields(existing, input);
        if (differences.length > 0) {
          throw new ConflictError(
            `Artifact ${input.digest} of ${
              input.entityRef
            } is already registered with a different ${differences.join(
              ', ',
            )}; artifacts are immutable`,
          );
        }
        // A replay changes nothing: its test results were stored with the
        // first registration, and later ones come through test-result reports.
        return { artifact: artifactFromRow(existing), created: false };
      }
      const row: ArtifactRow = {
        id: uuid(),
        entity_ref: input.entityRef,
        digest: input.digest,
        pipeline: input.pipeline,
        version: input.version,
        commit: input.commit,
        author: input.author ?? null,
        labels: JSON.stringify(input.labels),
        changed_paths: JSON.stringify(input.changedPaths),
        migration: input.migration ? JSON.stringify(input.migration) : null,
        bad: false,
        bad_reason: null,
        registered_at: now,
      };
      const inserted = await self
        .db('promotion_artifacts')
        .insert(row)
        .onConflict(['entity_ref', 'digest'])
        .ignore();
      const stored = await self
        .db<ArtifactRow>('promotion_artifacts')
        .where({ entity_ref: input.entityRef, digest: input.digest })
        .first();
      const artifact = artifactFromRow(stored!);
      // A concurrent registration of the same digest won the insert.
      const created = stored!.id === row.id && inserted !== undefined;
      if (!created) {
        const differences = sameImmutableFields(stored!, input);
        if (differences.length > 0) {
          throw new ConflictError(
            `Artifact ${input.digest} of ${
              input.entityRef
            } is already registered with a different ${differences.join(
              ', ',
            )}; artifacts are immutable`,
          );
        }
      } else {
        await self.appendEvent(
          {
            entityRef: input.entityRef,
            digest: input.digest,
            kind: 'artifact.registered',
            actor,
            details: {
              version: input.version,
              commit: input.commit,
              author: input.author,
              labels: input.labels,
            },
          },
          now,
        );
        for (const result of testResults) {
          await self.addTestResult(artifact, result, actor, now);
        }
      }
      return { artifact, created };
    });
  }

  async getArtifact(entityRef: string, digest: string) {
    const row = await this.db<ArtifactRow>('promotion_artifacts')
      .where({ entity_ref: entityRef, digest })
      .first();
    return row ? artifactFromRow(row) : undefined;
  }

  async getArtifactsById(ids: string[]) {
    const unique = [...new Set(ids)];
    const rows = unique.length
      ? ((await whereAnyOf(
          this.db('promotion_artifacts'),
          'id',
          unique,
        )) as ArtifactRow[])
      : [];
    return new Map(rows.map(row => [row.id, artifactFromRow(row)]));
  }

  async markArtifactBad(
    id: string,
    reason: string | undefined,
    ctx: ChangeContext & { entityRef: string },
    now: Date,
  ) {
    const updated = await this.db('promotion_artifacts')
      .where({ id, bad: false })
      .update({ bad: true, bad_reason: reason ?? null });
    if (updated !== 1) {
      return false;
    }
    await this.appendEvent(
      {
        entityRef: ctx.entityRef,
        digest: ctx.digest,
        kind: 'artifact.marked_bad',
        actor: ctx.actor,
        details: { reason },
      },
      now,
    );
    return true;
  }

  async addTestResult(
    artifact: ArtifactRecord,
    result: NewTestResult,
    actor: string,
    now: Date,
  ) {
    await this.db('promotion_test_results').insert({
      artifact_id: artifact.id,
      suite: result.suite,
      environment: result.environment ?? null,
      status: result.status,
      passed_count: result.passed ?? null,
      failed_count: result.failed ?? null,
      url: result.url ?? null,
      reported_at: now,
    });
    await this.appendEvent(
      {
        entityRef: artifact.entityRef,
        environment: result.environment,
        digest: artifact.digest,
        kind: 'tests.reported',
        actor,
        details: { ...result },
      },
      now,
    );
  }

  async listTestResults(artifactId: string): Promise<TestResult[]> {
    const rows = await this.db('promotion_test_results')
      .where({ artifact_id: artifactId })
      .orderBy('id', 'asc');
    return rows.map(testResultFromRow);
  }
}
