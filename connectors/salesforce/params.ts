import { z } from 'zod';
import { SALESFORCE_ID, SOQL_FIELD } from './soql.js';

/** An optional parameter that a template may render as an empty string. */
export const Blankable = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

export const SalesforceId = z.string().trim().regex(SALESFORCE_ID, 'must be a Salesforce record id (15 or 18 characters)');
export const FieldName = z.string().regex(SOQL_FIELD, 'must be a field API name such as NPS_Score__c');
