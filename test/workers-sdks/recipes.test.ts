import { expect, it } from 'vitest';
import { actionRegistry } from '../../connectors/registry.js';
import { emptyEnrichment } from '../../src/core/account.js';
import { NormalizedResponse } from '../../src/core/response.js';
import { planResponse } from '../../src/recipes/plan.js';
import { bundledRecipes, bundledThemes } from '../../src/runtime/workers/bundled-recipes.js';

it('the bundled recipes parse, validate and plan inside workerd (no file system)', async () => {
  const registry = actionRegistry();
  const recipes = bundledRecipes(new Set(registry.keys()));
  expect(recipes.map((r) => r.name)).toEqual(expect.arrayContaining(['detractor-ticket', 'promoter-advocacy', 'verbatims-to-slack']));
  const response = { ...NormalizedResponse.parse({ source: 'generic', sourceResponseId: 'r-1', score: 2, comment: 'Too slow', respondent: { email: 'ana@example.com', name: 'Ana' } }), id: 'resp-1', receivedAt: '2026-03-02T10:00:00.000Z', version: 1 };
  const tags = bundledThemes().tag(response.comment);
  const decisions = await planResponse(response, emptyEnrichment(), { recipes, registry, lastRun: async () => undefined, now: new Date('2026-03-02T10:00:00.000Z'), maxAttempts: () => 10, tags });
  const ticket = decisions.find((d) => d.recipe === 'detractor-ticket')!;
  expect(ticket.matched).toBe(true);
  expect(ticket.actions.find((a) => a.action === 'zendesk.createTicket')).toMatchObject({ issues: [], params: { requesterEmail: 'ana@example.com', requesterName: 'Ana', subject: 'NPS 2/10 from an unknown account' } });
});
