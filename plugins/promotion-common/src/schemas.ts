import { z } from 'zod';

/**
 * Every text field refuses NUL and the other C0 control characters:
 * PostgreSQL cannot store NUL in text (the insert fails), and the rest only
 * arrive by mistake or malice. Free text keeps tab and line breaks.
 */
/* eslint-disable no-control-regex */
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]*$/;
const NO_CONTROL_CHARACTERS_BUT_WHITESPACE =
  /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/;
/* eslint-enable no-control-regex */
const CONTROL_CHARACTER_MESSAGE =
  'must not contain NUL or other control characters';

/** A name, id or label of at most `max` characters: no control characters at all. */
export function singleLineSchema(max: number) {
  return z
    .string()
    .max(max)
    .regex(NO_CONTROL_CHARACTERS, CONTROL_CHARACTER_MESSAGE);
}

/** Free text (a reason, a comment) of at most `max` characters; tab and line breaks allowed. */
export function freeTextSchema(max: number) {
  return z
    .string()
    .max(max)
    .regex(NO_CONTROL_CHARACTERS_BUT_WHITESPACE, CONTROL_CHARACTER_MESSAGE);
}

/**
 * Column sizes the API limits follow (see the backend's migrations): entity
 * refs, actors and environment names are varchar(255); reasons and comments
 * are text, limited here so one request cannot store megabytes.
 */
export const MAX_LENGTHS = {
  entityRef: 255,
  version: 200,
  commit: 200,
  label: 100,
  changedPath: 1000,
  environment: 63,
  url: 2000,
  reason: 2000,
  comment: 2000,
} as const;

/** A resource id in a path: the UUIDs the backend creates. */
export const idSchema = z.string().uuid('must be a UUID');

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
  .max(MAX_LENGTHS.entityRef)
  .regex(
    /^[a-z0-9-_]+:[a-z0-9-_.]+\/[a-zA-Z0-9-_.]+$/i,
    'must be a full entity reference such as component:default/name',
  );

const label = singleLineSchema(MAX_LENGTHS.label).min(1);

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
    environment: singleLineSchema(MAX_LENGTHS.environment).min(1).optional(),
    status: z.enum(['passed', 'failed']),
    passed: z.number().int().nonnegative().optional(),
    failed: z.number().int().nonnegative().optional(),
    url: singleLineSchema(MAX_LENGTHS.url).url().optional(),
  })
  .strict();

/** Body of `POST /v1/artifacts`: what CI sends after a merge. */
export const registerArtifactRequestSchema = z
  .object({
    entityRef: entityRefSchema,
    digest: digestSchema,
    version: singleLineSchema(MAX_LENGTHS.version).min(1),
    commit: singleLineSchema(MAX_LENGTHS.commit).min(1),
    author: entityRefSchema.optional(),
    labels: z.array(label).max(50).default([]),
    changedPaths: z
      .array(singleLineSchema(MAX_LENGTHS.changedPath).min(1))
      .max(5000)
      .default([]),
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
  .object({ comment: freeTextSchema(MAX_LENGTHS.comment).trim().optional() })
  .strict();

/** Body of `POST /v1/rollbacks/:rollbackId/override`: why the artifact goes back in. */
export const overrideRollbackRequestSchema = z
  .object({
    comment: freeTextSchema(MAX_LENGTHS.comment)
      .trim()
      .min(1, 'say why the rolled-back artifact should go back in'),
  })
  .strict();

/** Body of `POST /v1/promotions/:promotionId/approve` and `.../reject`. */
export const decisionRequestSchema = z
  .object({ comment: freeTextSchema(MAX_LENGTHS.comment).optional() })
  .strict();

const environmentName = singleLineSchema(MAX_LENGTHS.environment).min(1);
const requiredReason = freeTextSchema(MAX_LENGTHS.reason)
  .trim()
  .min(1, 'a reason is required');

/** Body of `POST /v1/services/:kind/:namespace/:name/rollback`. */
export const rollbackRequestSchema = z
  .object({
    environment: environmentName,
    reason: requiredReason,
    targetDigest: digestSchema.optional(),
  })
  .strict();

/** Body of `POST /v1/services/:kind/:namespace/:name/freezes`. */
export const freezeRequestSchema = z
  .object({
    environment: environmentName,
    reason: requiredReason,
    allServices: z.boolean().optional(),
  })
  .strict();

/** Body of `POST .../holds/:holdId/release`. */
export const releaseHoldRequestSchema = z
  .object({
    reason: freeTextSchema(MAX_LENGTHS.reason).trim().min(1).optional(),
  })
  .strict();

/** Body of `POST .../artifacts/:digest/bad`. */
export const markArtifactBadRequestSchema = z
  .object({ reason: requiredReason })
  .strict();

/*
 * Request bodies as the frontend client sends them and the backend parses
 * them: inferred from the schemas above, so there is one definition.
 */

/** Body of an approval or a rejection. */
export type DecisionRequest = z.infer<typeof decisionRequestSchema>;
/** Body of a manual rollback of one environment (`targetDigest` absent: the warm previous artifact). */
export type RollbackRequest = z.infer<typeof rollbackRequestSchema>;
/** Body of a stop-the-line freeze (`allServices`: every service in the environment). */
export type CreateFreezeRequest = z.infer<typeof freezeRequestSchema>;
/** Body of a confirmation of an automatic rollback. */
export type ConfirmRollbackRequest = z.infer<
  typeof confirmRollbackRequestSchema
>;
/** Body of an override of an automatic rollback: why the artifact goes back in. */
export type OverrideRollbackRequest = z.infer<
  typeof overrideRollbackRequestSchema
>;
/** Body of a hold release. */
export type ReleaseHoldRequest = z.infer<typeof releaseHoldRequestSchema>;
/** Body of a bad mark on an artifact. */
export type MarkArtifactBadRequest = z.infer<
  typeof markArtifactBadRequestSchema
>;
