import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import type { RecordedRequest } from './http-recorder.js';

// ajv-formats is CommonJS with a default export; under NodeNext its callable sits on `.default`.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

/**
 * Checks a request the real SDK sent against the vendor's published API description:
 * OpenAPI 3 (YAML or JSON) or Swagger 2. Schemas are validated by ajv (+ ajv-formats); this file
 * only finds the operation and feeds each part (query, headers, form fields, JSON body) to it.
 *
 * What fails: a path no operation has, a method the path does not have, a missing required
 * parameter or body field, a value of the wrong type or format, a query or form parameter the
 * operation does not declare, a missing credential of the declared security scheme.
 * What is not checked: path parameter types (vendors disagree with themselves: Intercom declares
 * `contact_id` an integer on notes and a string everywhere else), and responses.
 */
export interface SpecOptions {
  /**
   * Prefix the recorded path carries before the spec's paths. Default: the path of the first
   * `servers[].url` (OpenAPI 3) or `basePath` (Swagger 2).
   */
  basePath?: string;
  /** Suffix the SDK appends to every path, stripped before matching (node-zendesk: `.json`). */
  pathSuffix?: string;
  /**
   * The API accepts POST with form fields for every operation documented as GET (Slack: "all
   * Web API methods accept POST"); the form fields are then checked as the GET's query.
   */
  postForGet?: boolean;
  /**
   * Parameters satisfied by the security scheme instead (Slack documents its token as a `token`
   * header, and on older methods such as `users.info` as a `token` query parameter; the SDKs send a bearer header).
   */
  headersFromSecurity?: string[];
  /** Parameters the API accepts although the published description predates them. */
  undocumentedParameters?: string[];
  /**
   * JSON Schemas of request bodies that an operation (by operationId) describes only in its prose
   * (Zendesk's redaction endpoints declare no requestBody but document `text` / `ticket_id` in the text).
   */
  bodiesFromDescription?: Record<string, Json>;
}

export interface LoadedSpec {
  file: string;
  doc: Spec;
  version: 2 | 3;
  options: SpecOptions;
  basePath: string;
  routes: Route[];
  bodyAjv: Ajv;
  paramAjv: Ajv;
  compiled: Map<string, ValidateFunction>;
}

type Json = Record<string, any>;
type Spec = Json;
interface Route {
  template: string;
  regex: RegExp;
  literalLength: number;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
const cache = new Map<string, LoadedSpec>();

/** Load (and cache, in memory and on disk as parsed JSON) a spec file. */
export function loadSpec(file: string, options: SpecOptions = {}): LoadedSpec {
  const path = resolve(file);
  const key = `${path}\0${JSON.stringify(options)}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const doc = readSpecDocument(path);
  const version = doc.swagger ? 2 : 3;
  if (version === 3) nullableToJsonSchema(doc);
  const basePath = (options.basePath ?? (version === 2 ? doc.basePath : serverPath(doc)) ?? '').replace(/\/+$/, '');
  const routes = Object.keys(doc.paths ?? {})
    .map((template) => ({
      template,
      regex: new RegExp(`^${template.split(/\{[^}]+\}/).map(escapeRegex).join('([^/]+)')}$`),
      literalLength: template.replace(/\{[^}]+\}/g, '').length,
    }))
    // A literal path (`/contacts/search`) wins over a templated one (`/contacts/{id}`).
    .sort((a, b) => b.literalLength - a.literalLength);
  const spec: LoadedSpec = {
    file: path,
    doc,
    version,
    options,
    basePath,
    routes,
    bodyAjv: makeAjv(doc, false),
    paramAjv: makeAjv(doc, true),
    compiled: new Map(),
  };
  cache.set(key, spec);
  return spec;
}

/** Every way `request` departs from `spec`; empty when it matches. */
export function requestProblems(spec: LoadedSpec, request: RecordedRequest): string[] {
  const problems: string[] = [];
  let path = decodeURIComponent(request.url.pathname);
  if (spec.basePath) {
    if (!path.startsWith(spec.basePath)) return [`path ${path} is outside the API's base path ${spec.basePath}`];
    path = path.slice(spec.basePath.length) || '/';
  }
  if (spec.options.pathSuffix && path.endsWith(spec.options.pathSuffix)) path = path.slice(0, -spec.options.pathSuffix.length);
  const route = spec.routes.find((r) => r.regex.test(path));
  if (!route) return [`unknown path ${path} (no operation in ${spec.file})`];
  const pathItem = spec.doc.paths[route.template] as Json;
  const method = request.method.toLowerCase();
  let operationMethod = method;
  let formAsQuery = false;
  if (!pathItem[method]) {
    if (spec.options.postForGet && method === 'post' && pathItem.get) {
      operationMethod = 'get';
      formAsQuery = true;
    } else {
      const allowed = METHODS.filter((m) => pathItem[m]).map((m) => m.toUpperCase());
      return [`wrong method ${request.method} for ${route.template} (the spec has ${allowed.join(', ')})`];
    }
  }
  const operation = pathItem[operationMethod] as Json;
  const pointer = `/paths/${escapePointer(route.template)}`;
  const where = `${request.method} ${route.template}`;
  const parameters = [
    ...((pathItem.parameters ?? []) as Json[]).map((p, i) => ({ p, at: `${pointer}/parameters/${i}` })),
    ...((operation.parameters ?? []) as Json[]).map((p, i) => ({ p, at: `${pointer}/${operationMethod}/parameters/${i}` })),
  ].map(({ p, at }) => (p.$ref ? { p: resolveRef(spec.doc, p.$ref), at: p.$ref.slice(1) } : { p, at }));

  const formBody = isPlainObject(request.body) && /x-www-form-urlencoded/.test(request.headers.get('content-type') ?? '') ? (request.body as Json) : null;
  const query = collectQuery(request.url.searchParams);
  const sources: Record<string, Json> = {
    query: formAsQuery && formBody ? { ...query, ...formBody } : query,
    formData: formBody ?? {},
    header: Object.fromEntries(request.headers),
  };
  const declared: Record<string, Set<string>> = { query: new Set(), formData: new Set() };
  const undocumented = new Set(spec.options.undocumentedParameters ?? []);
  const skippedHeaders = new Set((spec.options.headersFromSecurity ?? []).map((h) => h.toLowerCase()));

  for (const { p, at } of parameters) {
    const location = p.in as string;
    if (location === 'path') continue; // matched by the route; types not checked (see above)
    if (location === 'body') {
      problems.push(...validateBody(spec, request, `${at}/schema`, !!p.required, where));
      continue;
    }
    if ((location === 'header' || location === 'query') && skippedHeaders.has(String(p.name).toLowerCase())) continue;
    const source = sources[location];
    if (!source) continue; // cookie
    declared[location]?.add(p.name);
    const name = location === 'header' ? String(p.name).toLowerCase() : p.name;
    const value = source[name];
    if (value === undefined) {
      if (p.required) problems.push(`${where}: missing required ${location} parameter ${p.name}`);
      continue;
    }
    const schemaPointer = spec.version === 3 ? `${at}/schema` : null;
    const validate = schemaPointer ? compile(spec, 'param', schemaPointer) : compileInline(spec, swaggerParamSchema(p));
    const given = wantsArray(spec, p) && !Array.isArray(value) ? String(value).split(',') : value;
    // ajv coerces query/form strings to the declared type ('7' → 7, 'true' → true) while validating.
    const ok = validate(given);
    if (!ok) problems.push(`${where}: ${location} parameter ${p.name}=${JSON.stringify(given)} ${ajvMessage(validate)}`);
  }

  for (const location of ['query', 'formData'] as const) {
    const given = Object.keys(location === 'query' ? sources.query! : formAsQuery ? {} : sources.formData!);
    for (const name of given) {
      if (!declared[location]!.has(name) && !undocumented.has(name)) problems.push(`${where}: unknown ${location} parameter ${name}`);
    }
  }

  if (spec.version === 3 && operation.requestBody) {
    const body = operation.requestBody.$ref ? resolveRef(spec.doc, operation.requestBody.$ref) : operation.requestBody;
    const bodyAt = operation.requestBody.$ref ? operation.requestBody.$ref.slice(1) : `${pointer}/${operationMethod}/requestBody`;
    const type = Object.keys(body.content ?? {}).find((t) => t.includes('json'));
    if (type) problems.push(...validateBody(spec, request, `${bodyAt}/content/${escapePointer(type)}/schema`, !!body.required, where));
  } else if (spec.options.bodiesFromDescription?.[operation.operationId]) {
    const validate = compileInline(spec, spec.options.bodiesFromDescription[operation.operationId]!);
    if (!isPlainObject(request.body)) problems.push(`${where}: request body is not JSON`);
    else if (!validate(request.body)) problems.push(`${where}: body ${ajvMessage(validate)}`);
  } else if (spec.version === 3 && request.body !== '' && request.body !== undefined && method !== 'get' && method !== 'delete') {
    problems.push(`${where}: the operation takes no request body, one was sent`);
  }

  problems.push(...securityProblems(spec, operation, request, sources.query!, where));
  return problems;
}

/** Fail the test, naming every problem, when `request` does not match `spec`. */
export function expectRequestMatchesSpec(spec: LoadedSpec, request: RecordedRequest): void {
  const problems = requestProblems(spec, request);
  if (problems.length) {
    throw new Error(`${request.method} ${request.url.pathname}${request.url.search} does not match ${spec.file}:\n  - ${problems.join('\n  - ')}`);
  }
}

// ——— internals ———

function readSpecDocument(path: string): Spec {
  const text = readFileSync(path, 'utf8');
  if (path.endsWith('.json')) return JSON.parse(text) as Spec;
  // Parsing the 1.6 MB Zendesk YAML takes ~1.5 s; its JSON form, keyed by content hash, ~20 ms.
  const dir = resolve('node_modules/.cache/closeloop-openapi');
  const cached = join(dir, `${createHash('sha256').update(text).digest('hex').slice(0, 32)}.json`);
  try {
    return JSON.parse(readFileSync(cached, 'utf8')) as Spec;
  } catch {
    const doc = parseYaml(text, { version: '1.2', maxAliasCount: -1 }) as Spec;
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(cached, JSON.stringify(doc));
    } catch {
      // A read-only checkout only loses the cache.
    }
    return doc;
  }
}

/**
 * OpenAPI 3.0's `nullable: true` → JSON Schema (`type: [t, 'null']`, or `anyOf` with null when
 * there is no `type`). ajv knows `nullable` only next to `type`, and vendor specs put it beside
 * `$ref`, `allOf` and `oneOf` too.
 */
function nullableToJsonSchema(node: unknown, seen = new Set<object>()): void {
  if (typeof node !== 'object' || node === null || seen.has(node)) return;
  seen.add(node);
  for (const child of Object.values(node)) nullableToJsonSchema(child, seen);
  if (Array.isArray(node)) return;
  const schema = node as Json;
  if (typeof schema.nullable !== 'boolean') return;
  const nullable = schema.nullable;
  delete schema.nullable;
  if (!nullable) return;
  if (typeof schema.type === 'string') {
    schema.type = [schema.type, 'null'];
    if (Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum = [...schema.enum, null];
  } else if (schema.type === undefined) {
    const rest = { ...schema };
    for (const key of Object.keys(schema)) delete schema[key];
    schema.anyOf = [rest, { type: 'null' }];
  }
}

function makeAjv(doc: Spec, coerce: boolean): Ajv {
  // strict: false — vendor specs carry OpenAPI keywords (example, xml, discriminator, x-…) and
  // made-up formats that are annotations, not assertions.
  const ajv = new Ajv({ strict: false, allErrors: true, coerceTypes: coerce ? 'array' : false, logger: false, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema(doc, 'spec');
  return ajv;
}

function compile(spec: LoadedSpec, kind: 'body' | 'param', pointer: string): ValidateFunction {
  const key = `${kind}:${pointer}`;
  let fn = spec.compiled.get(key);
  if (!fn) {
    const ajv = kind === 'body' ? spec.bodyAjv : spec.paramAjv;
    fn = ajv.compile({ $ref: `spec#${pointer}` });
    spec.compiled.set(key, fn);
  }
  return fn;
}

function compileInline(spec: LoadedSpec, schema: Json): ValidateFunction {
  const key = `inline:${JSON.stringify(schema)}`;
  let fn = spec.compiled.get(key);
  if (!fn) {
    fn = spec.paramAjv.compile(schema);
    spec.compiled.set(key, fn);
  }
  return fn;
}

function validateBody(spec: LoadedSpec, request: RecordedRequest, pointer: string, required: boolean, where: string): string[] {
  const empty = request.body === '' || request.body === undefined || request.body === null;
  if (empty) return required ? [`${where}: missing required request body`] : [];
  if (typeof request.body === 'string') return [`${where}: request body is not JSON (content-type ${request.headers.get('content-type')})`];
  const validate = compile(spec, 'body', pointer);
  return validate(request.body) ? [] : [`${where}: body ${ajvMessage(validate)}`];
}

function securityProblems(spec: LoadedSpec, operation: Json, request: RecordedRequest, query: Json, where: string): string[] {
  const requirements = (operation.security ?? spec.doc.security) as Json[] | undefined;
  if (!requirements || requirements.length === 0) return [];
  const schemes = (spec.version === 3 ? spec.doc.components?.securitySchemes : spec.doc.securityDefinitions) ?? {};
  const auth = request.headers.get('authorization') ?? '';
  const satisfied = (name: string): boolean => {
    const s = schemes[name] as Json | undefined;
    if (!s) return false;
    if (s.type === 'http') return new RegExp(`^${s.scheme}\\s+\\S+`, 'i').test(auth);
    if (s.type === 'apiKey') return s.in === 'header' ? request.headers.has(s.name) : s.in === 'query' ? query[s.name] !== undefined : false;
    // oauth2 / openIdConnect: a bearer token
    return /^bearer\s+\S+/i.test(auth) || query.token !== undefined;
  };
  const ok = requirements.some((req) => Object.keys(req).every(satisfied));
  return ok ? [] : [`${where}: no credential for ${requirements.map((r) => Object.keys(r).join('+')).join(' or ')}`];
}

function swaggerParamSchema(p: Json): Json {
  const schema: Json = {};
  for (const k of ['type', 'format', 'enum', 'items', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems']) {
    if (p[k] !== undefined) schema[k] = p[k];
  }
  if (schema.type === 'file') delete schema.type;
  return schema;
}

function wantsArray(spec: LoadedSpec, p: Json): boolean {
  const schema = spec.version === 3 ? (p.schema?.$ref ? resolveRef(spec.doc, p.schema.$ref) : p.schema) : p;
  return schema?.type === 'array';
}

/** Query string → object; `a[b]=1` (deepObject) → `{ a: { b: '1' } }`; repeated keys → arrays. */
function collectQuery(params: URLSearchParams): Json {
  const out: Json = {};
  for (const [key, value] of params) {
    const deep = /^([^[\]]+)\[([^[\]]+)\]$/.exec(key);
    if (deep) {
      const [, name, prop] = deep as unknown as [string, string, string];
      out[name] = { ...(isPlainObject(out[name]) ? out[name] : {}), [prop]: value };
    } else if (out[key] !== undefined) {
      out[key] = ([] as unknown[]).concat(out[key], value);
    } else out[key] = value;
  }
  return out;
}

function resolveRef(doc: Spec, ref: string): Json {
  if (!ref.startsWith('#/')) throw new Error(`external $ref not supported: ${ref}`);
  return ref
    .slice(2)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((node: Json, part) => node?.[part], doc);
}

function serverPath(doc: Spec): string | undefined {
  const url = doc.servers?.[0]?.url as string | undefined;
  if (!url) return undefined;
  try {
    return new URL(url.replace(/\{[^}]+\}/g, 'x')).pathname;
  } catch {
    return url.startsWith('/') ? url : undefined;
  }
}

function ajvMessage(validate: ValidateFunction): string {
  return (validate.errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '(root)'} ${e.message}${e.params && 'allowedValues' in e.params ? ` ${JSON.stringify(e.params.allowedValues)}` : ''}`)
    .join('; ');
}

function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
