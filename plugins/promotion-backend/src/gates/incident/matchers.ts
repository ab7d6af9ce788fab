import { parseEntityRef } from '@backstage/catalog-model';

/**
 * One label matcher in Prometheus syntax (`label="value"`, `!=`, `=~`,
 * `!~`). The value may name the service and environment the gate checks:
 * `{{name}}`, `{{namespace}}`, `{{kind}}`, `{{entityRef}}`, `{{environment}}`.
 */
const MATCHER =
  /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*$/;
const PLACEHOLDER = /\{\{\s*([a-zA-Z]+)\s*\}\}/g;
const PLACEHOLDERS = ['name', 'namespace', 'kind', 'entityRef', 'environment'];
/** Longest matcher accepted in config; Alertmanager gets them in a URL. */
export const MAX_MATCHER_LENGTH = 500;

/** Why a matcher template is wrong; undefined when it is fine. */
export function matcherProblem(template: unknown): string | undefined {
  if (typeof template !== 'string' || template.trim() === '') {
    return 'must be a label matcher such as service="{{name}}"';
  }
  if (template.length > MAX_MATCHER_LENGTH) {
    return `is longer than ${MAX_MATCHER_LENGTH} characters`;
  }
  const match = MATCHER.exec(template);
  if (!match) {
    return `'${template}' is not a label matcher (label="value", label!="value", label=~"regex" or label!~"regex")`;
  }
  for (const [, name] of match[3].matchAll(PLACEHOLDER)) {
    if (!PLACEHOLDERS.includes(name)) {
      return `'${template}' uses {{${name}}}; known: ${PLACEHOLDERS.map(
        p => `{{${p}}}`,
      ).join(', ')}`;
    }
  }
  if (match[2] === '=~' || match[2] === '!~') {
    try {
      // Placeholders stand for plain text here; the rendered value is checked again.
      RegExp(match[3].replace(PLACEHOLDER, 'x'));
    } catch (error) {
      return `'${template}' has an invalid regular expression: ${
        (error as Error).message
      }`;
    }
  }
  return undefined;
}

// Values go inside "…": quotes and backslashes from names must not end them.
const quoteSafe = (value: string) => value.replace(/[\\"]/g, '\\$&');

/** The matchers for one service and environment, placeholders filled in. */
export function renderMatchers(
  templates: string[],
  entityRef: string,
  environment: string,
): string[] {
  const ref = parseEntityRef(entityRef);
  const values: Record<string, string> = {
    name: ref.name,
    namespace: ref.namespace,
    kind: ref.kind,
    entityRef,
    environment,
  };
  return templates.map(template =>
    template.replace(PLACEHOLDER, (_, name: string) =>
      quoteSafe(values[name] ?? ''),
    ),
  );
}
