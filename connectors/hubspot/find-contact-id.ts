import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/contacts/index.js';
import { DeliveryError } from '../../src/core/delivery-error.js';
import type { HubSpotClient } from './client.js';

/** The given contact id, else the id of the contact with this email (CRM search); permanent 404 when none. */
export async function findContactId(client: HubSpotClient, contactId: string | undefined, email: string | undefined): Promise<string> {
  if (contactId) return contactId;
  if (!email) throw new DeliveryError('HubSpot contact: give contactId or email', false, { status: 422 });
  const found = await client.call('contact search', (sdk) =>
    sdk.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'email', operator: FilterOperatorEnum.Eq, value: email }] }],
      properties: ['email'],
      limit: 1,
    }),
  );
  const id = found.results[0]?.id;
  if (!id) throw new DeliveryError(`HubSpot has no contact with email ${email}`, false, { status: 404 });
  return id;
}
