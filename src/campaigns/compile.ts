import type { z } from 'zod';
import { LineCounter, parseDocument } from 'yaml';
import type { ActionRegistry, RegisteredAction } from '../../connectors/registry.js';
import { HubError, issuePath, type FieldIssue } from '../core/errors.js';
import { locateIn, schemaIssues } from '../recipes/parse.js';
import { checkTemplateVariables } from '../recipes/template-types.js';
import { compileParams, TemplateError, type CompiledParams } from '../recipes/template.js';
import { CampaignDefinition, type CampaignInput } from './definition.js';

/** A valid campaign, ready to plan: its action resolved and its templates compiled once. */
export interface CompiledCampaign {
  /** The definition as given (periods as written): stored with the campaign and shown back. */
  input: CampaignInput;
  definition: CampaignDefinition;
  registered: RegisteredAction;
  params: CompiledParams;
}

/** A problem with a definition, at a path of its fields. */
export interface DefinitionIssue {
  path: (string | number)[];
  message: string;
}

/**
 * Validate a campaign definition (the YAML file's or the API's JSON): the schema (zod), the
 * action (registered), each template (Liquid, and the variables it reads, as recipes are checked).
 */
export function compileCampaign(input: unknown, registry: ActionRegistry): { campaign?: CompiledCampaign; issues: DefinitionIssue[] } {
  const parsed = CampaignDefinition.safeParse(input ?? {}, { reportInput: true });
  if (!parsed.success) return { issues: schemaIssuesOf(parsed.error) };
  const definition = parsed.data;
  const issues: DefinitionIssue[] = [];
  const registered = registry.get(definition.action);
  if (!registered) issues.push({ path: ['action'], message: `unknown action "${definition.action}"; known: ${[...registry.keys()].sort().join(', ')}` });
  let params: CompiledParams | undefined;
  try {
    params = compileParams(definition.params, ['params']);
    checkTemplates(params, ['params'], issues);
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    issues.push({ path: error.path, message: `invalid template: ${error.message}` });
  }
  if (issues.length || !registered || !params) return { issues };
  return { campaign: { input: input as CampaignInput, definition, registered, params }, issues };
}

/**
 * zod's issues in an author's words ({@link schemaIssues}), with a failed union (`score: 10` or a
 * list or a range) reported by the alternative the input came closest to: the one that got
 * deepest into it, or that failed on its value rather than its type (`category: fan` is not one
 * of the categories; `waves[1].score` is wrong, not the whole list).
 */
export function schemaIssuesOf(error: z.ZodError): DefinitionIssue[] {
  return schemaIssues({ issues: error.issues.flatMap((i) => closestIssues(i, [])) } as z.ZodError);
}

type Issue = z.core.$ZodIssue;
function closestIssues(issue: Issue, prefix: PropertyKey[]): Issue[] {
  const path = [...prefix, ...issue.path];
  if (issue.code !== 'invalid_union' || !issue.errors?.length) return [{ ...issue, path }];
  const depth = (branch: Issue[]) => Math.max(...branch.map((i) => i.path.length + (i.code === 'invalid_type' ? 0 : 0.5)));
  const best = issue.errors.reduce((a, b) => (depth(b) > depth(a) ? b : a));
  return depth(best) > 0 ? best.flatMap((i) => closestIssues(i, path)) : [{ ...issue, path }];
}

function checkTemplates(params: CompiledParams, path: (string | number)[], issues: DefinitionIssue[]): void {
  if (params.kind === 'template') {
    for (const e of checkTemplateVariables(params.template)) issues.push({ path, message: `template reads nothing: ${e.message}` });
  } else if (params.kind === 'array') params.items.forEach((item, i) => checkTemplates(item, [...path, i], issues));
  else if (params.kind === 'object') for (const [key, value] of params.entries) checkTemplates(value, [...path, key], issues);
}

/** The definition's issues as field issues (`filter.score`, `params.text`), for a 422. */
export function definitionFieldIssues(issues: readonly DefinitionIssue[]): FieldIssue[] {
  return issues.map((i) => ({ field: issuePath(i.path), message: i.message }));
}

/** A campaign from the API's JSON, or a 422 naming every field that is wrong. */
export function compileCampaignOrThrow(input: unknown, registry: ActionRegistry): CompiledCampaign {
  const { campaign, issues } = compileCampaign(input, registry);
  if (campaign) return campaign;
  const fields = definitionFieldIssues(issues);
  throw new HubError(422, 'invalid_campaign', `Invalid campaign: ${fields[0]?.field} ${fields[0]?.message}`, fields);
}

/**
 * A campaign YAML file (`closeloop campaign create featured.yaml`), validated like the API's
 * JSON; every problem is reported with its file, line and column (the recipe files' machinery).
 */
export function compileCampaignFile(source: { file: string; text: string }, registry: ActionRegistry): CompiledCampaign {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source.text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const at = (line: number, column: number, field: string) => `${source.file}:${line}:${column} ${field}`;
  if (doc.errors.length) {
    const issues = doc.errors.map((e) => {
      const pos = lineCounter.linePos(e.pos[0]);
      return { field: at(pos.line, pos.col, '(yaml)'), message: e.message.split('\n')[0] ?? e.message };
    });
    throw new HubError(422, 'invalid_campaign', `Invalid campaign file ${source.file}:`, issues);
  }
  const { campaign, issues } = compileCampaign(doc.toJS() ?? {}, registry);
  if (campaign) return campaign;
  const located = issues.map((i) => {
    const { line, column } = locateIn(doc, lineCounter, i.path);
    return { field: at(line, column, issuePath(i.path)), message: i.message };
  });
  throw new HubError(422, 'invalid_campaign', `Invalid campaign file ${source.file}:`, located);
}
