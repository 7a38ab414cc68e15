import { z } from 'zod';
import { DeliveryError } from '../../src/core/delivery-error.js';
import { jobMarker } from '../../src/core/job-marker.js';
import { clip, FIELD_LIMITS, fullTextRef } from '../clip.js';
import { defineAction } from '../connector.js';
import type { SalesforceClient } from './client.js';
import { Blankable, SalesforceId } from './params.js';
import { selectWhereEquals } from './soql.js';

export const CreateTaskParams = z.strictObject({
  /** Task subject; closeloop appends its effect-once marker, e.g. `… [cl-1a2b3c4d5e6f]`, clipping the subject so both fit in 255. */
  subject: z.string().trim().min(1, 'is required'),
  /** Clipped so that it and the job line fit in Salesforce's 32,000 characters. */
  description: z.string().default(''),
  /** The Contact (`{{ contact.id }}`): the Task's Name (WhoId). */
  contactId: Blankable(SalesforceId),
  /** The Account (`{{ account.id }}`): the Task's Related To (WhatId). */
  accountId: Blankable(SalesforceId),
  /** Assigned to (`{{ account.owner.id }}`). Empty: the integration user. */
  ownerId: Blankable(SalesforceId),
  priority: z.enum(['High', 'Normal', 'Low']).default('High'),
  status: z.string().trim().min(1).default('Not Started'),
  /** Due this many days after the response was planned. Default 1. */
  dueInDays: z.coerce.number().int().min(0).max(365).default(1),
});
export type CreateTaskParams = z.output<typeof CreateTaskParams>;

const DAY_MS = 24 * 60 * 60_000;

function taskRecord(p: CreateTaskParams, marker: string, jobKey: string, plannedAt: Date, responseId?: string) {
  const ref = fullTextRef(responseId);
  const limits = FIELD_LIMITS.salesforce;
  // The effect-once marker and the job line stay whole after a clipped text.
  const trailer = `\n\ncloseloop job ${jobKey}`;
  return {
    Subject: `${clip(p.subject, limits.taskSubject - marker.length - 1, ref)} ${marker}`,
    Description: p.description ? `${clip(p.description, limits.taskDescription - trailer.length, ref)}${trailer}` : `closeloop job ${jobKey}`,
    Priority: p.priority,
    Status: p.status,
    ActivityDate: new Date(plannedAt.getTime() + p.dueInDays * DAY_MS).toISOString().slice(0, 10),
    ...(p.contactId ? { WhoId: p.contactId } : {}),
    ...(p.accountId ? { WhatId: p.accountId } : {}),
    ...(p.ownerId ? { OwnerId: p.ownerId } : {}),
  };
}

export const createTask = defineAction({
  name: 'createTask',
  summary: 'Create a Salesforce Task on the Contact and Account, assigned to the account owner',
  effectOnce:
    'The subject ends with a marker derived from the job key; before creating, a SOQL query on that exact subject returns the Task a previous attempt made.',
  params: CreateTaskParams,
  request: (p, job) => ({ method: 'POST', path: '/services/data/vXX.X/sobjects/Task', body: taskRecord(p, '[cl-<job marker>]', '<job key>', new Date(0), job?.responseId) }),
  async run(client: SalesforceClient, p, ctx) {
    const marker = await jobMarker(ctx.job.key);
    // Due relative to when the job was planned, so every attempt sends the same Task.
    const record = taskRecord(p, marker, ctx.job.key, new Date(ctx.job.createdAt), ctx.job.responseId);
    const soql = selectWhereEquals('Task', ['Id'], 'Subject', record.Subject);
    const existing = await client.call(async (conn) => await conn.query<{ Id: string }>(soql, { autoFetch: false }));
    const found = existing.records[0];
    if (found) {
      ctx.log.info({ task: found.Id }, 'Salesforce Task already exists (earlier attempt)');
      return { remoteId: found.Id, taskId: found.Id, existing: true };
    }
    const created = await client.call((conn) => conn.sobject('Task').create(record));
    if (!created.success) throw new DeliveryError(`Salesforce did not create the Task: ${JSON.stringify(created.errors)}`, false);
    return { remoteId: created.id, taskId: created.id, existing: false };
  },
});
