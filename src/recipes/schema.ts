import { z } from 'zod';
import ms from 'ms';

const Name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes (e.g. detractor-ticket)');

/** A period such as `90d`, `12h`, `30m` (parsed by the `ms` library). */
export const Period = z
  .string()
  .refine((s) => {
    const v = ms(s as ms.StringValue);
    return typeof v === 'number' && v > 0;
  }, 'must be a period such as 30m, 12h, 90d')
  .transform((s) => ms(s as ms.StringValue) as number);

export const RecipeAction = z.strictObject({
  id: Name.describe('Unique within the recipe; part of the job idempotency key. Never rename a live one.'),
  action: z
    .string()
    .regex(/^[a-z]+\.[A-Za-z]+$/, 'must be connector.action, e.g. zendesk.createTicket')
    .describe('Registered action, e.g. zendesk.createTicket, slack.postMessage, intercom.trackEvent'),
  when: z
    .string()
    .trim()
    .min(1)
    .optional()
    .describe('CEL condition for this action alone, checked after the recipe\'s `when` (e.g. response.respondent.email != null)'),
  params: z
    .record(z.string(), z.unknown())
    .default({})
    .describe('Action parameters; every string is a Liquid template over response, account and contact'),
});

/** What makes the hub consider a recipe for a response. */
export const RECIPE_TRIGGERS = ['response', 'loop.overdue'] as const;
export type RecipeTrigger = (typeof RECIPE_TRIGGERS)[number];

/** A recipe file, as written in YAML. */
export const RecipeFile = z.strictObject({
  $schema: z.string().optional(),
  name: Name.describe('Recipe name, unique across recipes; part of the job idempotency key'),
  description: z.string().optional(),
  enabled: z.boolean().default(true).describe('A disabled recipe is validated but never runs'),
  on: z
    .enum(RECIPE_TRIGGERS)
    .default('response')
    .describe('When the recipe is considered: `response` (default) when a response arrives or changes; `loop.overdue` once, when a detractor\'s loop is still unanswered after CLOSELOOP_LOOP_OVERDUE_AFTER'),
  when: z
    .string()
    .trim()
    .min(1, 'is required (use "true" to match every response)')
    .describe('CEL condition over response, account and contact, e.g. response.score <= 6'),
  throttle: z
    .strictObject({
      per: z.literal('respondent').default('respondent'),
      period: Period.describe('At most once per respondent in this period, e.g. 90d'),
    })
    .optional()
    .describe('Fire at most once per respondent per period'),
  actions: z.array(RecipeAction).min(1, 'needs at least one action'),
});
export type RecipeFile = z.output<typeof RecipeFile>;
