import {
  PropertyCreateFieldTypeEnum,
  PropertyCreateTypeEnum,
  type PropertyCreate,
} from '@hubspot/api-client/lib/codegen/crm/properties/index.js';
import type { HubSpotClient } from './client.js';

/** The contact property group closeloop's NPS properties live in (shown as a section on the contact record). */
export const NPS_PROPERTY_GROUP = { name: 'closeloop_nps', label: 'NPS (closeloop)', displayOrder: -1 };

/** Contact properties `hubspot.updateContact` writes, created when missing. */
export const NPS_PROPERTIES = {
  score: 'closeloop_nps_score',
  category: 'closeloop_nps_category',
  comment: 'closeloop_nps_comment',
  date: 'closeloop_nps_date',
} as const;

const CATEGORY_OPTIONS = ['promoter', 'passive', 'detractor'].map((value, i) => ({
  value,
  label: value[0]!.toUpperCase() + value.slice(1),
  displayOrder: i,
  hidden: false,
}));

/** The definitions `POST /crm/v3/properties/contacts/batch/create` receives. */
export const NPS_PROPERTY_DEFINITIONS: PropertyCreate[] = [
  { name: NPS_PROPERTIES.score, label: 'Last NPS score', type: PropertyCreateTypeEnum.Number, fieldType: PropertyCreateFieldTypeEnum.Number },
  {
    name: NPS_PROPERTIES.category,
    label: 'Last NPS category',
    type: PropertyCreateTypeEnum.Enumeration,
    fieldType: PropertyCreateFieldTypeEnum.Select,
    options: CATEGORY_OPTIONS,
  },
  { name: NPS_PROPERTIES.comment, label: 'Last NPS comment', type: PropertyCreateTypeEnum.String, fieldType: PropertyCreateFieldTypeEnum.Textarea },
  { name: NPS_PROPERTIES.date, label: 'Last NPS answered at', type: PropertyCreateTypeEnum.Datetime, fieldType: PropertyCreateFieldTypeEnum.Date },
].map((p) => ({ ...p, groupName: NPS_PROPERTY_GROUP.name, formField: false, description: 'Written by closeloop' }));

/**
 * Make sure the NPS contact properties exist: read the contact properties once per process,
 * create the group and whatever property is missing. A failure is forgotten, so the next
 * job asks again.
 */
export function ensureNpsProperties(client: HubSpotClient): Promise<void> {
  const key = 'nps-properties';
  let pending = client.memo.get(key) as Promise<void> | undefined;
  if (!pending) {
    pending = createMissing(client).catch((error) => {
      client.memo.delete(key);
      throw error;
    });
    client.memo.set(key, pending);
  }
  return pending;
}

async function createMissing(client: HubSpotClient): Promise<void> {
  const existing = await client.call('contact properties read', (sdk) => sdk.crm.properties.coreApi.getAll('contacts', false));
  const names = new Set(existing.results.map((p) => p.name));
  const missing = NPS_PROPERTY_DEFINITIONS.filter((p) => !names.has(p.name));
  if (!missing.length) return;
  const groups = await client.call('contact property groups read', (sdk) => sdk.crm.properties.groupsApi.getAll('contacts'));
  if (!groups.results.some((g) => g.name === NPS_PROPERTY_GROUP.name)) {
    await client.call('contact property group create', (sdk) => sdk.crm.properties.groupsApi.create('contacts', NPS_PROPERTY_GROUP));
  }
  await client.call('contact properties create', (sdk) => sdk.crm.properties.batchApi.create('contacts', { inputs: missing }));
}
