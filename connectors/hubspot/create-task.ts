import { AssociationTypes } from './sdk.js';
import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/objects/tasks/index.js';
import { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/objects/tasks/index.js';
import { z } from 'zod';
import { jobMarker } from '../../src/core/job-marker.js';
import { clip, FIELD_LIMITS, fullTextRef } from '../clip.js';
import { defineAction } from '../connector.js';
import type { HubSpotClient } from './client.js';
import { Blankable, HubSpotId } from './params.js';

export const CreateTaskParams = z.strictObject({
  /** Task title; closeloop appends its effect-once marker, e.g. `… [cl-1a2b3c4d5e6f]`. */
  subject: z.string().trim().min(1, 'is required'),
  /** Subject and body are clipped to HubSpot's 65,536 characters per string property. */
  body: z.string().default(''),
  /** Who the task is for: `{{ account.owner.id }}` after HubSpot enrichment. Empty: unassigned. */
  ownerId: Blankable(HubSpotId),
  /** Associate the task with this contact (`{{ contact.id }}`). */
  contactId: Blankable(HubSpotId),
  /** Associate the task with this company (`{{ account.id }}`). */
  companyId: Blankable(HubSpotId),
  priority: z.enum(['LOW', 'MEDIUM', 'HIGH']).default('HIGH'),
  /** Due this many days after the response was planned. Default 1. */
  dueInDays: z.coerce.number().int().min(0).max(365).default(1),
});
export type CreateTaskParams = z.output<typeof CreateTaskParams>;

const DAY_MS = 24 * 60 * 60_000;

function taskInput(p: CreateTaskParams, marker: string, jobKey: string, now: Date, responseId?: string) {
  const ref = fullTextRef(responseId);
  const max = FIELD_LIMITS.hubspot.stringProperty;
  // The effect-once marker and the job line stay whole after a clipped text.
  const trailer = `\n\ncloseloop job ${jobKey}`;
  const associations = [
    ...(p.contactId ? [{ id: p.contactId, typeId: AssociationTypes.taskToContact }] : []),
    ...(p.companyId ? [{ id: p.companyId, typeId: AssociationTypes.taskToCompany }] : []),
  ].map(({ id, typeId }) => ({
    to: { id },
    types: [{ associationCategory: AssociationSpecAssociationCategoryEnum.HubspotDefined, associationTypeId: typeId }],
  }));
  const properties: Record<string, string> = {
    hs_task_subject: `${clip(p.subject, max - marker.length - 1, ref)} ${marker}`,
    hs_task_body: p.body ? `${clip(p.body, max - trailer.length, ref)}${trailer}` : `closeloop job ${jobKey}`,
    hs_task_status: 'NOT_STARTED',
    hs_task_priority: p.priority,
    hs_timestamp: new Date(now.getTime() + p.dueInDays * DAY_MS).toISOString(),
  };
  if (p.ownerId) properties.hubspot_owner_id = p.ownerId;
  return { properties, associations };
}

export const createTask = defineAction({
  name: 'createTask',
  summary: 'Create a HubSpot task (for the account owner), associated with the contact and company',
  effectOnce:
    'The subject ends with a marker derived from the job key; before creating, a task search on that exact subject returns the task a previous attempt made. HubSpot search is eventually consistent (a task created a few seconds earlier may not be found yet).',
  params: CreateTaskParams,
  request: (p, job) => ({ method: 'POST', path: '/crm/v3/objects/tasks', body: taskInput(p, '[cl-<job marker>]', '<job key>', new Date(0), job?.responseId) }),
  async run(client: HubSpotClient, p, ctx) {
    const marker = await jobMarker(ctx.job.key);
    // Due relative to when the job was planned, so every attempt sends the same task.
    const input = taskInput(p, marker, ctx.job.key, new Date(ctx.job.createdAt), ctx.job.responseId);
    const existing = await client.call('task search', (sdk) =>
      sdk.crm.objects.tasks.searchApi.doSearch({
        filterGroups: [{ filters: [{ propertyName: 'hs_task_subject', operator: FilterOperatorEnum.Eq, value: input.properties.hs_task_subject! }] }],
        properties: ['hs_task_subject'],
        limit: 1,
      }),
    );
    const found = existing.results[0];
    if (found) {
      ctx.log.info({ task: found.id }, 'HubSpot task already exists (earlier attempt)');
      return { remoteId: found.id, taskId: found.id, existing: true };
    }
    const created = await client.call('task create', (sdk) => sdk.crm.objects.tasks.basicApi.create(input));
    return { remoteId: created.id, taskId: created.id, existing: false };
  },
});
