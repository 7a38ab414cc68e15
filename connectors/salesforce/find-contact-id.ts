import { DeliveryError } from '../../src/core/delivery-error.js';
import type { SalesforceClient } from './client.js';
import { selectWhereEquals } from './soql.js';

/** The given Contact id, else the most recently modified Contact with this email; permanent 404 when none. */
export async function findContactId(client: SalesforceClient, contactId: string | undefined, email: string | undefined): Promise<string> {
  if (contactId) return contactId;
  if (!email) throw new DeliveryError('Salesforce contact: give contactId or email', false, { status: 422 });
  const soql = selectWhereEquals('Contact', ['Id'], 'Email', email, 'ORDER BY LastModifiedDate DESC LIMIT 1');
  const result = await client.call(async (conn) => await conn.query<{ Id: string }>(soql, { autoFetch: false }));
  const id = result.records[0]?.Id;
  if (!id) throw new DeliveryError(`Salesforce has no Contact with email ${email}`, false, { status: 404 });
  return id;
}
