/** The name part of an entity ref such as `component:default/payments`. */
export function entityName(entityRef: string): string {
  const withoutKind = entityRef.slice(entityRef.indexOf(':') + 1);
  return withoutKind.slice(withoutKind.lastIndexOf('/') + 1);
}
