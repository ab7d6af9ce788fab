import { spec } from '../../schema/openapi/generated/router';
import { loadOpenApiSpec } from '../../schema/spec';
import { OPERATIONS } from '.';

/** Every operationId the OpenAPI document declares. */
function operationIds(doc: { paths: Record<string, object> }): string[] {
  return Object.values(doc.paths)
    .flatMap(item => Object.values(item))
    .map(operation => (operation as { operationId?: string }).operationId)
    .filter((id): id is string => Boolean(id))
    .sort();
}

describe('the operations', () => {
  it('bind exactly the operations the spec declares', () => {
    expect(Object.keys(OPERATIONS).sort()).toEqual(
      operationIds(loadOpenApiSpec()),
    );
  });

  it('are typed from the spec as it is (the generated router matches openapi.yaml)', () => {
    expect(JSON.parse(JSON.stringify(spec))).toEqual(loadOpenApiSpec());
  });
});
