import fc from 'fast-check';
import { RawRequest } from './rawHttp';

/**
 * Bad requests generated from the plugin's OpenAPI document: for every
 * mutating operation (POST, PUT, PATCH, DELETE), requests that each carry at
 * least one defect the API must refuse (a bad path parameter, an unknown
 * query parameter, invalid JSON, a wrong type, a missing field, a string over
 * its limit or with a control character, a bad digest, junk nesting). Valid
 * requests are never generated, so a run against a seeded backend must answer
 * only 4xx and write nothing. Used by the fuzz test and `bench/fuzz.js`.
 */

/** The subset of JSON Schema the spec uses. */
interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  $ref?: string;
}

/** One mutating operation of the spec. */
export interface FuzzOperation {
  operationId: string;
  method: string;
  /** Path template, e.g. `/v1/promotions/{promotionId}/approve`. */
  path: string;
  pathParams: string[];
  body?: Schema;
}

/** Who sends a case: CI (a service token), a person, or nobody. */
export type FuzzCaller = 'ci' | 'user' | 'none';

/** One generated request, with what makes it bad (shown when a case fails). */
export interface FuzzCase {
  operationId: string;
  caller: FuzzCaller;
  defects: string[];
  request: RawRequest;
}

/** Real values the seeded backend knows, by path parameter or body field name. */
export type FuzzSeeds = Record<string, string>;

const MUTATING = ['post', 'put', 'patch', 'delete'];

/** The mutating operations of an OpenAPI document, with `$ref`s resolved. */
export function mutatingOperations(spec: any): FuzzOperation[] {
  const lookup = (ref: string) =>
    ref
      .replace(/^#\//, '')
      .split('/')
      .reduce((node: any, key) => node[key], spec);
  const deref = (node: any): any => {
    if (node && typeof node === 'object' && !Array.isArray(node)) {
      if (typeof node.$ref === 'string') return deref(lookup(node.$ref));
      return Object.fromEntries(
        Object.entries(node).map(([k, v]) => [k, deref(v)]),
      );
    }
    return node;
  };
  const operations: FuzzOperation[] = [];
  for (const [path, item] of Object.entries<any>(spec.paths)) {
    for (const method of MUTATING) {
      const op = item[method];
      if (!op) continue;
      const params: any[] = (op.parameters ?? []).map(deref);
      operations.push({
        operationId: op.operationId,
        method: method.toUpperCase(),
        path,
        pathParams: params.filter(p => p.in === 'path').map(p => p.name),
        body: op.requestBody
          ? deref(op.requestBody).content?.['application/json']?.schema
          : undefined,
      });
    }
  }
  return operations;
}

/** A field of a body: where it is and what the spec says of it. */
interface Field {
  at: (string | number)[];
  schema: Schema;
  required: boolean;
}

/** Top-level fields, fields of nested objects and of the first item of arrays of objects. */
function fieldsOf(schema: Schema, at: (string | number)[] = []): Field[] {
  if (at.length > 3) return [];
  const fields: Field[] = [];
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const here = [...at, name];
    fields.push({
      at: here,
      schema: child,
      required: (schema.required ?? []).includes(name),
    });
    if (child.type === 'object') fields.push(...fieldsOf(child, here));
    if (child.type === 'array' && child.items?.type === 'object') {
      fields.push(...fieldsOf(child.items, [...here, 0]));
    }
  }
  return fields;
}

const isText = (s: Schema) =>
  s.type === 'string' && !s.enum && !s.pattern && !s.format;

/** A plausible value for every field (optional ones too, so every field can be spoilt). */
function baseValue(schema: Schema, name: string, seeds: FuzzSeeds): unknown {
  if (schema.enum) return schema.enum[0];
  switch (schema.type) {
    case 'object':
      return Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([k, v]) => [
          k,
          baseValue(v, k, seeds),
        ]),
      );
    case 'array':
      return [baseValue(schema.items ?? {}, name, seeds)];
    case 'integer':
    case 'number':
      return schema.minimum ?? 0;
    case 'boolean':
      return false;
    default:
      if (seeds[name] !== undefined) return seeds[name];
      if (schema.pattern?.startsWith('^sha256')) return seeds.digest;
      if (schema.format === 'date-time') return new Date().toISOString();
      if (name === 'url') return 'https://ci.example.com/runs/1';
      return 'fuzz';
  }
}

function setAt(root: any, at: (string | number)[], value: unknown): boolean {
  let node = root;
  for (const key of at.slice(0, -1)) {
    if (node === null || typeof node !== 'object' || !(key in node))
      return false;
    node = node[key];
  }
  const last = at[at.length - 1];
  if (node === null || typeof node !== 'object') return false;
  // defineProperty, so a key such as __proto__ is data, not a prototype.
  Object.defineProperty(node, last, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return true;
}

function deleteAt(root: any, at: (string | number)[]): boolean {
  let node = root;
  for (const key of at.slice(0, -1)) {
    if (node === null || typeof node !== 'object' || !(key in node))
      return false;
    node = node[key];
  }
  const last = at[at.length - 1];
  if (node === null || typeof node !== 'object' || !(last in node))
    return false;
  delete node[last];
  return true;
}

function getAt(root: any, at: (string | number)[]): unknown {
  return at.reduce((node, key) => node?.[key], root);
}

const CONTROL_CHARACTERS = [
  '\u0000',
  '\u0001',
  '\u0007',
  '\u0008',
  '\u000b',
  '\u000c',
  '\u001b',
  '\u001f',
  '\u007f',
];

/** Path parameter values no route may accept: already percent-encoded, or deliberately not. */
const badPathValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '..',
    '.',
    '%00',
    'a%00b',
    '%2F',
    '..%2F..',
    '%2e%2e',
    '%2e%2e%2f%2e%2e',
    '%zz',
    '%',
    '',
    '%0a',
    '%0d%0a',
    '%20',
    '%E2%80%AE',
    '%C0%AE',
    '%FF',
    '*',
    '%5C',
  ),
  fc
    .string({ unit: 'binary', maxLength: 30 })
    .map(s => `${encodeURIComponent(s)}%00`),
  fc.constantFrom(64, 300, 2000).map(n => 'a'.repeat(n)),
);

/** Bodies that are not JSON at all. */
const notJson: fc.Arbitrary<string> = fc.constantFrom(
  '{',
  '}',
  '{"a":}',
  "{'a':1}",
  '[1,2',
  'nul',
  'NaN',
  '{"a":1,}',
  '\u0000',
  '{"comment":"\\u0000',
  '{"reason":"\\ud800"',
  '<xml/>',
);

const wrongTypeValues: Record<string, unknown[]> = {
  string: [0, 1.5, true, null, [], {}, ['fuzz']],
  integer: ['1', 1.5, true, null, [], {}],
  number: ['1', true, null, [], {}],
  boolean: ['true', 0, null, []],
  array: [{}, 'fuzz', 1, null],
  object: [[], 'fuzz', 1, null],
};

function nested(depth: number, shape: 'array' | 'object'): unknown {
  let value: unknown = 'fuzz';
  for (let i = 0; i < depth; i++)
    value = shape === 'array' ? [value] : { a: value };
  return value;
}

/** A body defect: describes itself and spoils a draft body in place. */
interface BodyDefect {
  describe: string;
  apply(draft: { body: any }): boolean;
}

function bodyDefects(
  schema: Schema,
  seeds: FuzzSeeds,
): fc.Arbitrary<BodyDefect>[] {
  const fields = fieldsOf(schema);
  const strings = fields.filter(f => f.schema.type === 'string');
  const digests = strings.filter(f => f.schema.pattern?.startsWith('^sha256'));
  const required = fields.filter(f => f.required);
  const defects: fc.Arbitrary<BodyDefect>[] = [
    fc.constantFrom<unknown>(null, [], 'fuzz', 1, true, [{}]).map(value => ({
      describe: `body is ${JSON.stringify(value)}`,
      apply: draft => {
        draft.body = value;
        return true;
      },
    })),
  ];
  if (fields.length) {
    defects.push(
      fc.constantFrom(...fields).chain(field =>
        fc
          .constantFrom(...wrongTypeValues[field.schema.type ?? 'string'])
          .map(value => ({
            describe: `${field.at.join('.')} = ${JSON.stringify(value)}`,
            apply: draft => setAt(draft.body, field.at, value),
          })),
      ),
      fc
        .tuple(
          fc.constantFrom(...fields),
          fc.integer({ min: 2, max: 2000 }),
          fc.constantFrom<'array' | 'object'>('array', 'object'),
        )
        .map(([field, depth, shape]) => ({
          describe: `${field.at.join('.')} nested ${depth} ${shape}s deep`,
          apply: draft => setAt(draft.body, field.at, nested(depth, shape)),
        })),
    );
  }
  if (required.length) {
    defects.push(
      fc.constantFrom(...required).map(field => ({
        describe: `${field.at.join('.')} missing`,
        apply: draft => deleteAt(draft.body, field.at),
      })),
    );
  }
  if (strings.length) {
    defects.push(
      fc
        .tuple(fc.constantFrom(...strings), fc.boolean())
        .map(([field, huge]) => {
          const length = huge
            ? 1024 * 1024
            : (field.schema.maxLength ?? 1024 * 1024) + 1;
          return {
            describe: `${field.at.join('.')} is ${length} characters`,
            apply: draft =>
              setAt(draft.body, field.at, 'é'.repeat(length).slice(0, length)),
          };
        }),
      fc
        .tuple(
          fc.constantFrom(...strings),
          fc.constantFrom(...CONTROL_CHARACTERS),
          fc.nat(),
        )
        .map(([field, char, at]) => ({
          describe: `${field.at.join('.')} holds U+${char
            .charCodeAt(0)
            .toString(16)
            .padStart(4, '0')}`,
          apply: draft => {
            const value = String(
              getAt(draft.body, field.at) ?? baseValue(field.schema, '', seeds),
            );
            const i = value.length ? at % (value.length + 1) : 0;
            return setAt(
              draft.body,
              field.at,
              `${value.slice(0, i)}${char}${value.slice(i)}`,
            );
          },
        })),
    );
  }
  if (digests.length) {
    defects.push(
      fc
        .tuple(
          fc.constantFrom(...digests),
          fc.constantFrom(
            `sha256:${'A'.repeat(64)}`,
            'sha256:abc',
            `sha512:${'a'.repeat(128)}`,
            `${seeds.digest}\n`,
            ` ${seeds.digest}`,
            `sha256:${'g'.repeat(64)}`,
            '',
            `${seeds.digest}%00`,
          ),
        )
        .map(([field, value]) => ({
          describe: `${field.at.join('.')} = ${JSON.stringify(value)}`,
          apply: draft => setAt(draft.body, field.at, value),
        })),
    );
  }
  return defects;
}

/** Changes that need not be wrong on their own (unicode, an unknown field), sent along with a defect. */
function neutralChanges(schema: Schema): fc.Arbitrary<BodyDefect>[] {
  const texts = fieldsOf(schema).filter(f => isText(f.schema));
  const changes: fc.Arbitrary<BodyDefect>[] = [
    fc
      .tuple(
        fc.constantFrom('extra', '__proto__', 'constructor', 'toString'),
        fc.jsonValue({ maxDepth: 2 }),
      )
      .map(([name, value]) => ({
        describe: `unknown field ${name}`,
        apply: draft => setAt(draft.body, [name], value),
      })),
  ];
  if (texts.length) {
    changes.push(
      fc
        .tuple(
          fc.constantFrom(...texts),
          fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
        )
        .map(([field, value]) => ({
          describe: `${field.at.join('.')} = ${JSON.stringify(value)}`,
          apply: draft => setAt(draft.body, field.at, value),
        })),
    );
  }
  return changes;
}

/** Value of a path parameter that would be accepted: the seeded one, or a well-formed one. */
function goodPathValue(name: string, seeds: FuzzSeeds): fc.Arbitrary<string> {
  if (name.endsWith('Id')) {
    return seeds[name]
      ? fc.oneof(fc.constant(seeds[name]), fc.uuid())
      : fc.uuid();
  }
  return fc.constant(encodeURIComponent(seeds[name] ?? 'fuzz'));
}

/** `arbitrary` about once in `oneIn` draws, else null. */
function sometimes<T>(
  arbitrary: fc.Arbitrary<T>,
  oneIn: number,
): fc.Arbitrary<T | null> {
  return fc.oneof(
    { weight: oneIn - 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary },
  );
}

const authorization = (
  caller: FuzzCaller,
  tokens: Partial<Record<FuzzCaller, string>>,
): Record<string, string> =>
  tokens[caller] ? { authorization: tokens[caller]! } : {};

/**
 * Bad requests for the given operations. Every case carries at least one
 * defect.
 */
export function badRequests(options: {
  operations: FuzzOperation[];
  seeds: FuzzSeeds;
  /** Authorization header per caller; `none` sends none unless given. */
  tokens: { ci: string; user: string; none?: string };
  /** Prefix of the plugin's routes, e.g. `/api/promotion`. */
  basePath: string;
}): fc.Arbitrary<FuzzCase> {
  const { seeds, tokens, basePath } = options;
  return fc.constantFrom(...options.operations).chain(op => {
    const pathValues = fc.record(
      Object.fromEntries(
        op.pathParams.map(p => [p, goodPathValue(p, seeds)]),
      ) as Record<string, fc.Arbitrary<string>>,
    );
    const pathDefect = op.pathParams.length
      ? sometimes(fc.tuple(fc.constantFrom(...op.pathParams), badPathValue), 3)
      : fc.constant(null);
    const queryDefect = sometimes(
      fc.tuple(
        fc.constantFrom('junk', 'debug', 'a[b]', 'x%00y'),
        fc.string({ maxLength: 10 }).map(encodeURIComponent),
      ),
      8,
    );
    const bodyDefect = op.body
      ? fc.array(fc.oneof(...bodyDefects(op.body, seeds)), { maxLength: 3 })
      : fc.constant([]);
    const neutral = op.body
      ? fc.array(fc.oneof(...neutralChanges(op.body)), { maxLength: 2 })
      : fc.constant([]);
    const invalidJson = sometimes(
      fc.oneof(
        notJson,
        fc.nat().map(n => ({ truncateAt: n })),
      ),
      8,
    );
    return fc
      .record({
        caller: fc.constantFrom<FuzzCaller>('ci', 'user', 'none'),
        pathValues,
        pathDefect,
        queryDefect,
        bodyDefect,
        neutral,
        invalidJson,
      })
      .map(drawn => {
        const defects: string[] = [];
        const draft = {
          body: op.body ? baseValue(op.body, '', seeds) : undefined,
        };
        for (const change of drawn.neutral) {
          if (change.apply(draft)) defects.push(`(${change.describe})`);
        }
        let spoilt = 0;
        for (const defect of drawn.bodyDefect) {
          if (defect.apply(draft)) {
            defects.push(defect.describe);
            spoilt++;
          }
        }
        const values = { ...drawn.pathValues };
        if (drawn.pathDefect) {
          const [param, value] = drawn.pathDefect;
          values[param] = value;
          defects.push(`path ${param} = ${JSON.stringify(value)}`);
          spoilt++;
        }
        let query = '';
        if (drawn.queryDefect) {
          query = `?${drawn.queryDefect[0]}=${drawn.queryDefect[1]}`;
          defects.push(`query ${query}`);
          spoilt++;
        }
        let text =
          draft.body === undefined ? undefined : JSON.stringify(draft.body);
        let invalid = drawn.invalidJson;
        // Every case must be bad: with nothing spoilt yet, the body is.
        if (!invalid && spoilt === 0) invalid = '{';
        if (invalid) {
          // A proper prefix of a JSON text longer than one character is never JSON.
          const whole = text && text.length > 1 ? text : '{}';
          text =
            typeof invalid === 'string'
              ? invalid
              : whole.slice(0, 1 + (invalid.truncateAt % (whole.length - 1)));
          defects.push(`body not JSON: ${JSON.stringify(text.slice(0, 40))}`);
        }
        const path = op.path.replace(
          /\{(\w+)\}/g,
          (_, name: string) => values[name],
        );
        // Without credentials the server refuses before reading the body and
        // closes: a megabyte still being written then meets a reset and its
        // 401 is lost in transit. Large bodies are sent with a token instead.
        const caller =
          drawn.caller === 'none' && (text?.length ?? 0) > 64 * 1024
            ? 'ci'
            : drawn.caller;
        const fuzzCase: FuzzCase = {
          operationId: op.operationId,
          caller,
          defects,
          request: {
            method: op.method,
            path: `${basePath}${path}${query}`,
            headers: {
              ...authorization(caller, tokens),
              ...(text !== undefined
                ? { 'content-type': 'application/json' }
                : {}),
            },
            body: text,
          },
        };
        // A failing case is printed short: bodies can be a megabyte.
        return Object.assign(fuzzCase, {
          [fc.toStringMethod]: () => describeCase(fuzzCase),
        });
      });
  });
}

/** One line for a case: operation, caller, method, path and defects, each cut short. */
export function describeCase(c: FuzzCase): string {
  const cut = (text: string) =>
    text.length > 120 ? `${text.slice(0, 120)}… (${text.length} chars)` : text;
  return `${c.operationId} as ${c.caller}: ${c.request.method} ${cut(
    c.request.path,
  )} [${c.defects.map(cut).join('; ')}]`;
}
