import { Liquid } from 'liquidjs';
import { describe, expect, it } from 'vitest';
import { actionRegistry } from '../../connectors/registry.js';
import { NormalizedResponse, type StoredResponse } from '../../src/core/response.js';
import { emptyEnrichment, type Enrichment } from '../../src/core/account.js';
import { compileCondition } from '../../src/recipes/condition.js';
import { parseRecipe } from '../../src/recipes/parse.js';
import { planResponse, recipeContext } from '../../src/recipes/plan.js';
import { compileParams, renderParams } from '../../src/recipes/template.js';

const registry = actionRegistry();
const known = new Set(registry.keys());

function stored(input: Partial<Parameters<typeof NormalizedResponse.parse>[0]> = {}): StoredResponse {
  return {
    ...NormalizedResponse.parse({ source: 'generic', sourceResponseId: 'r-1', score: 3, ...input }),
    id: 'resp-1',
    receivedAt: '2026-01-01T00:00:00.000Z',
    version: 1,
  };
}

function enterprise(): Enrichment {
  const e = emptyEnrichment();
  e.account = { ...e.account, id: 'a-1', name: 'Acme & Co', tier: 'enterprise', plan: 'Scale', arr: 120000, owner: { name: 'Olga', email: 'olga@acme.test' }, custom: { segment: 'strategic' } };
  return e;
}

const response = stored({
  score: 3,
  comment: 'Exports time out',
  respondent: { email: 'ana@acme.test', name: 'Ana' },
  extra: { plan: 'pro', tags: ['beta', 'eu'] },
});
const context = recipeContext(response, enterprise());
const unknownContext = recipeContext(stored({ score: 9 }), emptyEnrichment());

const evaluate = (source: string, ctx: Record<string, unknown> = context) => compileCondition(source).evaluate(ctx);

describe('CEL conditions over response and account', () => {
  it.each([
    ['response.score <= 6', true],
    ['response.score >= 9', false],
    ['response.score == 3', true],
    ['account.arr > 100000 && response.category == "detractor"', true],
    ['account.arr >= 200000 || response.score < 2', false],
    ['int(account.arr) == 120000', true],
  ])('numbers: %s → %s', (source, matched) => {
    expect(evaluate(source)).toEqual({ matched });
  });

  it.each([
    ['account.tier == "enterprise"', true],
    ['response.respondent.email.endsWith("@acme.test")', true],
    ['response.comment.contains("time out")', true],
    ['account.name.startsWith("Globex")', false],
    ['response.extra.plan == "pro"', true],
  ])('strings: %s → %s', (source, matched) => {
    expect(evaluate(source)).toEqual({ matched });
  });

  it.each([
    ['response.category in ["detractor", "passive"]', true],
    ['account.tier in ["business", "startup"]', false],
    ['"eu" in response.extra.tags', true],
    ['"us" in response.extra.tags', false],
  ])('in: %s → %s', (source, matched) => {
    expect(evaluate(source)).toEqual({ matched });
  });

  it.each([
    ['has(account.custom.segment)', true],
    ['has(account.custom.region)', false],
    ['has(response.extra.plan)', true],
    ['has(response.extra.nps_reason)', false],
    ['has(account.custom.segment) && account.custom.segment == "strategic"', true],
    // every normalized field is always present (null when unknown): has() is true even when null
    ['has(response.touchpoint)', true],
  ])('has(): %s → %s', (source, matched) => {
    expect(evaluate(source)).toEqual({ matched });
  });

  it('null handling: unknown fields are null, compared with == null, never an error', () => {
    expect(evaluate('account.name == null', unknownContext)).toEqual({ matched: true });
    expect(evaluate('account.tier == "enterprise"', unknownContext)).toEqual({ matched: false });
    expect(evaluate('response.comment != null', unknownContext)).toEqual({ matched: false });
    expect(evaluate('response.respondent.email != null && response.score >= 9', unknownContext)).toEqual({ matched: false });
    expect(evaluate('account.owner.name == null', unknownContext)).toEqual({ matched: true });
  });

  it('an evaluation error is "not matched" with the reason, never a throw', () => {
    expect(evaluate('response.nope > 3')).toEqual({ matched: false, error: 'No such key: nope' });
    expect(evaluate('response.comment.size() > 0', unknownContext)).toEqual({ matched: false, error: "found no matching overload for 'null.size()'" });
    expect(evaluate('response.score')).toEqual({ matched: false, error: 'condition gave number, not true/false' });
  });

  it('a syntax error throws when the condition compiles (recipe load time)', () => {
    expect(() => compileCondition('response.score <=')).toThrow(/Unexpected token/);
  });

  it('planResponse reports why each recipe fired or not', async () => {
    const recipe = (name: string, when: string) =>
      parseRecipe(
        { file: `${name}.yaml`, text: `name: ${name}\nwhen: ${JSON.stringify(when)}\nactions:\n  - id: a\n    action: slack.postMessage\n    params: { channel: "#x", text: "hi" }\n` },
        known,
      ).recipe!;
    const recipes = [recipe('fires', 'response.score <= 6'), recipe('never', 'response.score >= 9'), recipe('broken', 'response.extra.nope > 1')];
    const decisions = await planResponse(response, enterprise(), {
      recipes,
      registry,
      now: new Date('2026-01-01T00:00:00Z'),
      maxAttempts: () => 3,
      lastRun: async () => undefined,
    });
    expect(decisions.map((d) => [d.recipe, d.matched, d.reason])).toEqual([
      ['fires', true, 'condition is true: response.score <= 6'],
      ['never', false, 'condition is false: response.score >= 9'],
      ['broken', false, 'condition could not be evaluated: No such key: nope'],
    ]);
    expect(decisions[0]!.actions).toEqual([
      { id: 'a', action: 'slack.postMessage', params: { channel: '#x', text: 'hi', fields: [], quote: '', context: '' }, issues: [], key: 'resp-1:fires:a' },
    ]);
  });

  it('an action whose own condition is false or broken is skipped with the reason; the others are planned', async () => {
    const action = (id: string, when?: string) =>
      `  - id: ${id}\n    action: slack.postMessage\n${when ? `    when: ${JSON.stringify(when)}\n` : ''}    params: { channel: "#x", text: "${id}" }\n`;
    const { recipe } = parseRecipe(
      { file: 'r.yaml', text: `name: r\nwhen: "true"\nactions:\n${action('always')}${action('promoters', 'response.score >= 9')}${action('broken', 'response.extra.nope == 1')}` },
      known,
    );
    const [decision] = await planResponse(response, enterprise(), { recipes: [recipe!], registry, now: new Date('2026-01-01T00:00:00Z'), maxAttempts: () => 3, lastRun: async () => undefined });
    expect(decision!.matched).toBe(true);
    expect(decision!.actions.map((a) => a.id)).toEqual(['always']);
    expect(decision!.skippedActions).toEqual([
      { id: 'promoters', action: 'slack.postMessage', reason: 'condition is false: response.score >= 9' },
      { id: 'broken', action: 'slack.postMessage', reason: 'condition could not be evaluated: No such key: nope' },
    ]);
  });
});

describe('a template that fails while rendering', () => {
  it('fails that action (with the reason), not the whole plan', async () => {
    const { recipe } = parseRecipe(
      { file: 'x.yaml', text: 'name: x\nwhen: "true"\nactions:\n  - id: a\n    action: slack.postMessage\n    params: { channel: "#x", text: "hi" }\n  - id: b\n    action: slack.postMessage\n    params: { channel: "#y", text: "ok" }\n' },
      known,
    );
    // No built-in filter throws at render time; one compiled by another engine does.
    const other = new Liquid();
    other.registerFilter('explode', () => {
      throw new Error('boom');
    });
    recipe!.actions[0]!.params = { kind: 'object', entries: [['text', { kind: 'template', template: other.parse('{{ 1 | explode }}'), source: '{{ 1 | explode }}' }]] };
    const [decision] = await planResponse(response, enterprise(), { recipes: [recipe!], registry, now: new Date(), maxAttempts: () => 1, lastRun: async () => undefined });
    expect(decision!.matched).toBe(true);
    expect(decision!.actions.map((a) => [a.id, a.params === null, a.issues.map((i) => i.field)])).toEqual([
      ['a', true, ['params']],
      ['b', false, []],
    ]);
    expect(decision!.actions[0]!.issues[0]!.message).toMatch(/^template failed: boom/);
  });
});

describe('Liquid parameter templates', () => {
  const render = (params: unknown, ctx: Record<string, unknown> = context) => renderParams(compileParams(params), ctx);

  it('renders nested objects and arrays, leaving non-strings as they are', () => {
    const params = {
      subject: 'NPS {{ response.score }}/10 from {{ account.name }}',
      count: 5,
      urgent: true,
      nothing: null,
      tags: ['nps', '{{ response.category }}', '{{ account.tier | upcase }}'],
      fields: [{ label: 'Owner', value: '{{ account.owner.name }} <{{ account.owner.email }}>' }],
      nested: { deeper: { arr: '{{ account.arr }}', first_tag: '{{ response.extra.tags[0] }}', tag_count: '{{ response.extra.tags | size }}' } },
    };
    expect(render(params)).toEqual({
      subject: 'NPS 3/10 from Acme & Co',
      count: 5,
      urgent: true,
      nothing: null,
      tags: ['nps', 'detractor', 'ENTERPRISE'],
      fields: [{ label: 'Owner', value: 'Olga <olga@acme.test>' }],
      nested: { deeper: { arr: '120000', first_tag: 'beta', tag_count: '2' } },
    });
  });

  it('defaults, chained defaults, conditionals and loops', () => {
    expect(
      render(
        {
          a: '{{ account.name | default: "unknown" }}',
          b: '{{ account.name | default: response.respondent.email | default: "anonymous" }}',
          c: "{% if account.tier == 'enterprise' %}urgent{% elsif account.tier == 'business' %}high{% else %}normal{% endif %}",
          d: '{% for t in response.extra.tags %}#{{ t }} {% endfor %}',
          e: '{{ response.comment | truncate: 10 }}',
        },
        unknownContext,
      ),
    ).toEqual({ a: 'unknown', b: 'anonymous', c: 'normal', d: '', e: '' });
    expect(render({ b: '{{ account.name | default: response.respondent.email }}', c: "{% if account.tier == 'enterprise' %}urgent{% endif %}", e: '{{ response.comment | truncate: 10 }}' })).toEqual({
      b: 'Acme & Co',
      c: 'urgent',
      e: 'Exports...',
    });
  });

  it('missing variables render empty (no error), and the result is trimmed', () => {
    expect(render({ a: '{{ response.nope }}', b: '[{{ account.custom.nothing.deeper }}]', c: '  {{ response.score }}  ' })).toEqual({ a: '', b: '[]', c: '3' });
  });

  it('only own properties are visible (no prototype walking)', () => {
    expect(render({ a: '{{ response.constructor }}', b: '{{ response.toString }}' })).toEqual({ a: '', b: '' });
  });

  it('an unknown filter is refused when the recipe loads', () => {
    expect(() => compileParams({ a: ['ok', '{{ response.score | shout }}'] })).toThrow(
      expect.objectContaining({ name: 'TemplateError', path: ['a', 1], message: 'undefined filter: shout, line:1, col:1' }),
    );
  });

  it.each(['include', 'render', 'layout'])('the %s tag is refused when the recipe loads (templates cannot read files)', (tag) => {
    const text = `name: files\nwhen: "true"\nactions:\n  - id: a\n    action: slack.postMessage\n    params:\n      channel: "#x"\n      text: "{% ${tag} 'package.json' %}"\n`;
    const { recipe, issues } = parseRecipe({ file: 'files.yaml', text }, known);
    expect(recipe).toBeUndefined();
    expect(issues).toEqual([
      {
        file: 'files.yaml',
        line: 8,
        column: 13,
        field: 'actions[0].params.text',
        message: `invalid template: {% ${tag} %} is not available in recipes (templates cannot read files), line:1, col:1`,
      },
    ]);
  });
});
