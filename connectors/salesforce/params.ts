import { z } from 'zod';
import { SALESFORCE_ID, SOQL_FIELD } from './soql.js';

export { Blankable } from '../params.js';

export const SalesforceId = z.string().trim().regex(SALESFORCE_ID, 'must be a Salesforce record id (15 or 18 characters)');
export const FieldName = z.string().regex(SOQL_FIELD, 'must be a field API name such as NPS_Score__c');

/** Custom Contact fields to create in Setup (Object Manager → Contact → Fields & Relationships). */
export const DEFAULT_NPS_FIELDS = {
  /** Number(2, 0) */
  score: 'NPS_Score__c',
  /** Picklist: promoter, passive, detractor (or Text(20)) */
  category: 'NPS_Category__c',
  /** Long Text Area(32768) */
  comment: 'NPS_Comment__c',
  /** Date/Time */
  date: 'NPS_Date__c',
};
