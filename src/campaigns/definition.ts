import { z } from 'zod';
import { Category, Metric } from '../core/response.js';
import { ROLLED_UP_DIMENSIONS } from '../insights/segments.js';
import { Period } from '../recipes/schema.js';

const Name = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes (e.g. featured-on-g2)');
const Score = z.number().int('must be a whole number').min(0).max(10);
const OneOrMore = <T extends z.ZodType>(item: T) => z.union([item, z.array(item).min(1, 'needs at least one value')]);

/** Which stored responses a campaign (or one of its waves) takes, by what each response is. */
export const ResponseFilter = z.strictObject({
  score: z
    .union([Score, z.array(Score).min(1, 'needs at least one score'), z.strictObject({ min: Score.default(0), max: Score.default(10) })], {
      error: (issue) => (issue.code === 'invalid_union' ? 'must be a score from 0 to 10, a list of scores or { min, max }' : undefined),
    })
    .optional()
    .describe('A score (10), a list of scores ([9, 10]) or a range ({ min: 8, max: 10 })'),
  category: OneOrMore(Category).optional().describe('promoter, passive, detractor (NPS); satisfied, neutral, dissatisfied (CSAT)'),
  segments: z
    .partialRecord(z.enum(ROLLED_UP_DIMENSIONS), OneOrMore(z.string().trim().min(1).max(200)))
    .optional()
    .describe('Segment values from the account snapshot stored when the response was planned, compared without case: { plan: enterprise, region: [EMEA, APAC] }'),
});
export type ResponseFilter = z.output<typeof ResponseFilter>;

/** The campaign's whole filter: what a response is, plus when it answered and whether it was contacted lately. */
export const CampaignFilter = ResponseFilter.extend({
  metric: Metric.default('nps').describe('Which answers: nps (default), csat, ces'),
  answeredWithin: Period.optional().describe('Answered (or, without an answer time, received) within this period back from now: 60d'),
  notContactedFor: Period.optional().describe('Leave out respondents contacted within this period back from now (see contactedBy): 90d'),
  contactedBy: z
    .array(z.string().regex(/^[a-z][a-z0-9]{0,39}(\.[A-Za-z][A-Za-z0-9]{0,79})?$/, 'must be a connector (intercom) or an action (intercom.trackEvent)'))
    .min(1)
    .optional()
    .describe('Which jobs count as contacting the respondent, by connector or action. Default: intercom, zendesk and the campaign\'s own action'),
  limit: z.number().int().min(1).max(100_000).default(100_000).describe('At most this many respondents (highest scores first, then newest). Default and maximum 100000'),
});
export type CampaignFilter = z.output<typeof CampaignFilter>;

/** How the members are split into waves. */
export const Waves = z
  .union([
    z.array(ResponseFilter).min(1, 'needs at least one wave').max(50, 'at most 50 waves').describe('One filter per wave, in order: a member joins the first wave it matches; a member that matches none is left out'),
    z.strictObject({ by: z.literal('score') }).describe('One wave per score, highest first'),
    z.strictObject({ size: z.number().int().min(1).max(100_000) }).describe('Waves of this many members, highest scores first, then newest'),
  ], { error: (issue) => (issue.code === 'invalid_union' ? 'must be a list of wave filters, { by: score } or { size: <members per wave> }' : undefined) })
  .describe('Default: one wave');

/** What separates two waves: someone's approval, or a pause after the previous wave was released. */
export const BetweenWaves = z.union([
  z.strictObject({ approval: z.literal(true) }).describe('Each wave after the first waits for `closeloop campaign approve` (or POST /api/campaigns/{id}/approve, or the dashboard\'s Approve next wave)'),
  z.strictObject({ pause: Period.describe('30m, 24h, 2d') }).describe('Each wave after the first is released this long after the previous one (approval releases it sooner)'),
], { error: (issue) => (issue.code === 'invalid_union' ? 'must be { approval: true } or { pause: <period such as 24h> }' : undefined) });

/** A campaign, as written in a YAML file or sent to `POST /api/campaigns`. */
export const CampaignDefinition = z.strictObject({
  $schema: z.string().optional(),
  name: Name.describe('Unique across campaigns: creating one with a name in use is refused (a second run of the same file contacts nobody twice)'),
  description: z.string().max(2000).optional(),
  action: z
    .string()
    .regex(/^[a-z]+\.[A-Za-z]+$/, 'must be connector.action, e.g. intercom.trackEvent')
    .describe('A registered action, as in recipes: intercom.trackEvent, slack.postMessage, webhook.post…'),
  params: z.record(z.string(), z.unknown()).default({}).describe('The action\'s parameters; every string is a Liquid template over response, account and contact, as in recipes'),
  filter: CampaignFilter.default(CampaignFilter.parse({})).describe('Which stored responses: one per respondent (the newest that matches)'),
  waves: Waves.optional(),
  betweenWaves: BetweenWaves.default({ approval: true }).describe('Default: approval'),
});
export type CampaignDefinition = z.output<typeof CampaignDefinition>;
/** What a caller writes (periods as text, defaults left out): stored with the campaign and shown back. */
export type CampaignInput = z.input<typeof CampaignDefinition>;

/** A cancel's body (`POST /api/campaigns/{id}/cancel`), and the CLI's `--reason`. */
export const CancelRequest = z.strictObject({
  reason: z.string().trim().max(500, 'must be at most 500 characters').optional().describe('Why it is cancelled (at most 500 characters), kept with the campaign and shown by its status'),
});
