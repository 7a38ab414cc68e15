import { z } from 'zod';
import { SALESFORCE_ID, SOQL_FIELD } from './soql.js';

export { Blankable } from '../params.js';

export const SalesforceId = z.string().trim().regex(SALESFORCE_ID, 'must be a Salesforce record id (15 or 18 characters)');
export const FieldName = z.string().regex(SOQL_FIELD, 'must be a field API name such as NPS_Score__c');
