import { resolvePackagePath } from '@backstage/backend-plugin-api';
import fs from 'node:fs';
import { parse } from 'yaml';

/** The plugin's OpenAPI document, read from src/schema/openapi.yaml (the one source of truth). */
export function loadOpenApiSpec() {
  const file = resolvePackagePath(
    '@promotion-pipeline/backstage-plugin-promotion-backend',
    'src/schema/openapi.yaml',
  );
  return parse(fs.readFileSync(file, 'utf8'));
}
