import { z } from 'zod';

/** A content digest: `sha256:` and 64 lower-case hex characters. */
export const digestSchema = z
  .string()
  .regex(
    /^sha256:[0-9a-f]{64}$/,
    'must be sha256: followed by 64 lower-case hex characters',
  );

/** An entity reference in full form, e.g. `component:default/checkout`. */
export const entityRefSchema = z
  .string()
  .regex(
    /^[a-z0-9-_]+:[a-z0-9-_.]+\/[a-zA-Z0-9-_.]+$/i,
    'must be a full entity reference such as component:default/name',
  );

const label = z.string().min(1).max(100);

/** Schema-migration metadata declared with an artifact. */
export const migrationInfoSchema = z
  .object({
    schemaVersion: z.number().int().nonnegative(),
    minCompatibleSchemaVersion: z.number().int().nonnegative(),
  })
  .strict()
  .refine(m => m.minCompatibleSchemaVersion <= m.schemaVersion, {
    message: 'minCompatibleSchemaVersion must not exceed schemaVersion',
    path: ['minCompatibleSchemaVersion'],
  });

/** A test run reported for an artifact. */
export const testResultInputSchema = z
  .object({
    suite: z.enum(['unit', 'integration', 'contract', 'e2e']),
    environment: z.string().min(1).max(63).optional(),
    status: z.enum(['passed', 'failed']),
    passed: z.number().int().nonnegative().optional(),
    failed: z.number().int().nonnegative().optional(),
    url: z.string().url().optional(),
  })
  .strict();

/** Body of `POST /v1/artifacts`: what CI sends after a merge. */
export const registerArtifactRequestSchema = z
  .object({
    entityRef: entityRefSchema,
    digest: digestSchema,
    version: z.string().min(1).max(200),
    commit: z.string().min(1).max(200),
    author: entityRefSchema.optional(),
    labels: z.array(label).max(50).default([]),
    changedPaths: z.array(z.string().min(1).max(1000)).max(5000).default([]),
    migration: migrationInfoSchema.optional(),
    testResults: z.array(testResultInputSchema).max(100).default([]),
  })
  .strict();

/** Body of `POST /v1/artifacts/:digest/test-results`. */
export const reportTestResultRequestSchema = testResultInputSchema.extend({
  entityRef: entityRefSchema,
});

/** Parsed register-artifact body. */
export type RegisterArtifactRequest = z.infer<
  typeof registerArtifactRequestSchema
>;
/** Parsed test-result body. */
export type ReportTestResultRequest = z.infer<
  typeof reportTestResultRequestSchema
>;

/** Body of `POST /v1/rollbacks/:rollbackId/confirm`. */
export const confirmRollbackRequestSchema = z
  .object({ comment: z.string().trim().max(2000).optional() })
  .strict();

/** Body of `POST /v1/rollbacks/:rollbackId/override`: why the artifact goes back in. */
export const overrideRollbackRequestSchema = z
  .object({
    comment: z
      .string()
      .trim()
      .min(1, 'say why the rolled-back artifact should go back in')
      .max(2000),
  })
  .strict();
