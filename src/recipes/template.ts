import { Liquid, type Template, type Variable } from 'liquidjs';

/**
 * Action parameters are Liquid templates (liquidjs: no `eval`, runs on Workers). Unknown
 * filters are an error when the recipe loads; a missing variable renders as empty.
 */
const liquid = new Liquid({ strictFilters: true, strictVariables: false, ownPropertyOnly: true, cache: false });

// include/render/layout read files from the working directory (the database, .env…) into
// outgoing messages, and cannot work on Workers: refuse them when the recipe loads.
for (const tag of ['include', 'render', 'layout']) {
  liquid.registerTag(tag, {
    parse() {
      throw new Error(`{% ${tag} %} is not available in recipes (templates cannot read files)`);
    },
    render() {},
  });
}

/** A parameter tree with every string compiled: render it with a context to get plain values. */
export type CompiledParams =
  | { kind: 'template'; template: Template[]; source: string }
  | { kind: 'literal'; value: unknown }
  | { kind: 'array'; items: CompiledParams[] }
  | { kind: 'object'; entries: [string, CompiledParams][] };

/** Compile every string in a parameter tree. Throws a {@link TemplateError} naming the path. */
export function compileParams(value: unknown, path: (string | number)[] = []): CompiledParams {
  if (typeof value === 'string') {
    if (!value.includes('{{') && !value.includes('{%')) return { kind: 'literal', value };
    try {
      return { kind: 'template', template: liquid.parse(value), source: value };
    } catch (error) {
      throw new TemplateError(path, (error as Error).message.split('\n')[0] ?? String(error));
    }
  }
  if (Array.isArray(value)) return { kind: 'array', items: value.map((v, i) => compileParams(v, [...path, i])) };
  if (value !== null && typeof value === 'object') {
    return { kind: 'object', entries: Object.entries(value).map(([k, v]) => [k, compileParams(v, [...path, k])]) };
  }
  return { kind: 'literal', value };
}

/** Render a compiled tree: strings come out rendered, everything else as it was. */
export function renderParams(compiled: CompiledParams, context: Record<string, unknown>): unknown {
  switch (compiled.kind) {
    case 'template':
      return liquid.renderSync(compiled.template, context).trim();
    case 'literal':
      return compiled.value;
    case 'array':
      return compiled.items.map((c) => renderParams(c, context));
    case 'object':
      return Object.fromEntries(compiled.entries.map(([k, c]) => [k, renderParams(c, context)]));
  }
}

/** The variables a template reads from its context (not those it assigns), with their positions. */
export function templateVariables(template: Template[]): Variable[] {
  return Object.values(liquid.analyzeSync(template, { partials: false }).globals).flat();
}

export class TemplateError extends Error {
  constructor(
    readonly path: (string | number)[],
    message: string,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}
