import { singleLineSchema } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { z } from 'zod';

/** Query of the paged lists: the deployments and the events of a service. */
export const pageQuery = z
  .object({
    cursor: singleLineSchema(40).optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
    environment: singleLineSchema(63).optional(),
    kind: singleLineSchema(64).optional(),
  })
  .strict();
