import { z } from 'zod';
import { NormalizedResponse } from '../core/response.js';
import type { Account, Contact } from '../core/account.js';

/**
 * The shape of what recipe conditions and templates see (`recipeContext` in plan.ts), in one
 * place: `closeloop check` and the hub's start-up type-check conditions and templates against
 * it, and `closeloop try --account` validates its fields with it. A field that recipes should
 * see is one line here.
 */
const Nullable = {
  string: z.string().nullable(),
  number: z.number().nullable(),
};

/** What recipes see of the respondent's company (see {@link Account}); a field added there and not here fails the type check. */
export const AccountShape = z.object({
  id: Nullable.string,
  name: Nullable.string,
  domain: Nullable.string,
  plan: Nullable.string,
  tier: Nullable.string,
  arr: Nullable.number,
  owner: z.object({ id: Nullable.string.optional(), name: Nullable.string, email: Nullable.string }),
  region: Nullable.string,
  lifecycle: Nullable.string,
  custom: z.record(z.string(), z.unknown()),
  crm: Nullable.string,
}) satisfies z.ZodType<Account>;

/** What recipes see of the respondent's CRM contact (see {@link Contact}). */
export const ContactShape = z.object({
  id: Nullable.string,
  email: Nullable.string,
  firstName: Nullable.string,
  lastName: Nullable.string,
  custom: z.record(z.string(), z.unknown()),
}) satisfies z.ZodType<Contact>;

/** The stored response (the normalized fields, with the hub's own id, arrival time and version). */
export const ResponseShape = NormalizedResponse.in.extend({
  id: z.string(),
  receivedAt: z.string(),
  version: z.number().int(),
  /** Themes of the comment (src/themes), by name. */
  themes: z.array(z.string()),
  /** AFINN sentiment of the comment (0 without one). */
  sentiment: z.number(),
});

/** The variables of a recipe condition or template. */
export const RecipeContextShape = z.object({
  response: ResponseShape,
  account: AccountShape,
  contact: ContactShape,
});

/** A schema's definition past nullable/optional/default wrappers; a pipe is what it reads (a transform's output has no schema) or gives. */
export function unwrapSchema(schema: z.ZodType): Record<string, any> {
  let def = (schema as unknown as { _zod: { def: Record<string, any> } })._zod.def;
  for (;;) {
    if (WRAPPERS.has(def.type)) def = def.innerType._zod.def;
    else if (def.type === 'pipe') def = (def.out._zod.def.type === 'transform' ? def.in : def.out)._zod.def;
    else return def;
  }
}
const WRAPPERS = new Set(['nullable', 'optional', 'default', 'prefault', 'readonly', 'catch']);
