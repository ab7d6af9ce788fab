import { InputError } from '@backstage/errors';
import { idSchema } from '@promotion-pipeline/backstage-plugin-promotion-common';
import express from 'express';
import { z } from 'zod';

/** Parses input with a zod schema; a failure is a 400 that names each bad field. */
export function parseInput<T extends z.ZodTypeAny>(
  schema: T,
  input: unknown,
  what = 'request body',
): z.infer<T> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map(issue =>
      // A scalar (a path parameter) has no field to name: `what` names it.
      issue.path.length
        ? `${issue.path.join('.')}: ${issue.message}`
        : issue.message,
    );
    throw new InputError(`Invalid ${what}: ${problems.join('; ')}`);
  }
  return result.data;
}

/** Path parameters that carry a UUID the backend created. */
export const ID_PARAMS = [
  'promotionId',
  'rollbackId',
  'freezeId',
  'holdId',
] as const;

/**
 * Checks every id path parameter of the router's routes before any handler
 * runs, so a malformed id (a NUL byte PostgreSQL would refuse, `..`) is a 400
 * naming the parameter and never reaches the database.
 */
export function validateIdParams(router: express.Router): void {
  for (const name of ID_PARAMS) {
    router.param(name, (req, _res, next, value) => {
      try {
        req.params[name] = parseInput(idSchema, value, `${name} in path`);
        next();
      } catch (error) {
        next(error);
      }
    });
  }
}
