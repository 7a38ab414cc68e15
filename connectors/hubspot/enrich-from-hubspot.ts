import { AssociationTypes } from './sdk.js';
import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/contacts/index.js';
import type { Account, Contact } from '../../src/core/account.js';
import type { CrmLookup } from '../../src/core/crm-lookup.js';
import type { EnrichmentCache } from '../../src/core/enrichment-cache.js';
import { classifyHubSpotError, hubspotStatus, type HubSpotClient } from './client.js';
import type { HubSpotEnrichmentSettings } from './enrichment-settings.js';

type Properties = Record<string, string | null | undefined>;
type Owner = Account['owner'];

/**
 * Respondent → HubSpot contact (CRM search on `email`) → its primary company (v4
 * associations, type 1 "contact with primary company") → the company's properties and owner
 * (owners API, cached like the rest).
 */
export function hubspotLookup(client: HubSpotClient, settings: HubSpotEnrichmentSettings): CrmLookup {
  const companyProperties = [
    ...new Set([
      'name',
      'domain',
      'lifecyclestage',
      'hubspot_owner_id',
      settings.HUBSPOT_PLAN_PROPERTY,
      settings.HUBSPOT_TIER_PROPERTY,
      settings.HUBSPOT_ARR_PROPERTY,
      settings.HUBSPOT_REGION_PROPERTY,
      ...settings.HUBSPOT_COMPANY_PROPERTIES,
    ]),
  ];
  const contactProperties = [...new Set(['email', 'firstname', 'lastname', ...settings.HUBSPOT_CONTACT_PROPERTIES])];

  async function owner(id: string | null, cache: EnrichmentCache): Promise<Owner> {
    const none: Owner = { id, name: null, email: null };
    if (!id || !/^\d+$/.test(id)) return none;
    const key = `hubspot:owner:${id}`;
    const cached = await cache.get<Owner>(key);
    if (cached) return cached;
    let found: Owner;
    try {
      const o = await client.call('owner read', (sdk) => sdk.crm.owners.ownersApi.getById(Number(id), 'id', false));
      const name = [o.firstName, o.lastName].filter(Boolean).join(' ');
      found = { id, name: name || null, email: o.email || null };
    } catch (error) {
      if (hubspotStatus(error) !== 404) throw error;
      found = none; // deactivated user: the account keeps its owner id, without a name
    }
    await cache.put(key, found);
    return found;
  }

  return {
    crm: 'hubspot',
    classify: classifyHubSpotError,

    async findContact(email, cache) {
      // The search is a step of its own: when the associations call fails, a retry starts from it.
      const searchKey = `hubspot:contact-search:${email.trim().toLowerCase()}`;
      let found = (await cache.get<{ found: { id: string; properties: Properties } | null }>(searchKey))?.found;
      if (found === undefined) {
        const search = await client.call('contact search', (sdk) =>
          sdk.crm.contacts.searchApi.doSearch({
            filterGroups: [{ filters: [{ propertyName: 'email', operator: FilterOperatorEnum.Eq, value: email }] }],
            properties: contactProperties,
            limit: 1,
          }),
        );
        const first = search.results[0];
        found = first ? { id: first.id, properties: first.properties as Properties } : null;
        await cache.put(searchKey, { found });
      }
      if (!found) return null;
      const props = found.properties;
      const contact: Contact = {
        id: found.id,
        email: text(props.email) ?? email,
        firstName: text(props.firstname),
        lastName: text(props.lastname),
        custom: pick(props, settings.HUBSPOT_CONTACT_PROPERTIES),
      };
      const contactId = found.id;
      const associations = await client.call('contact companies', (sdk) =>
        sdk.crm.associations.v4.basicApi.getPage('contacts', contactId, 'companies', undefined, 100),
      );
      const primary =
        associations.results.find((a) =>
          a.associationTypes.some((t) => t.category === 'HUBSPOT_DEFINED' && t.typeId === AssociationTypes.primaryContactToCompany),
        ) ?? associations.results[0];
      return { contact, accountId: primary ? String(primary.toObjectId) : null };
    },

    async getAccount(id, cache) {
      // The company read is a step of its own: when the owner read fails, a retry starts from it.
      const companyKey = `hubspot:company:${id}`;
      let company = (await cache.get<{ found: { id: string; properties: Properties } | null }>(companyKey))?.found;
      if (company === undefined) {
        try {
          const read = await client.call('company read', (sdk) => sdk.crm.companies.basicApi.getById(id, companyProperties));
          company = { id: read.id, properties: read.properties as Properties };
        } catch (error) {
          if (hubspotStatus(error) !== 404) throw error;
          company = null;
        }
        await cache.put(companyKey, { found: company });
      }
      if (!company) return null;
      const p = company.properties;
      return {
        id: company.id,
        name: text(p.name),
        domain: text(p.domain),
        plan: text(p[settings.HUBSPOT_PLAN_PROPERTY]),
        tier: text(p[settings.HUBSPOT_TIER_PROPERTY]),
        arr: number(p[settings.HUBSPOT_ARR_PROPERTY]),
        owner: await owner(text(p.hubspot_owner_id), cache),
        region: text(p[settings.HUBSPOT_REGION_PROPERTY]),
        lifecycle: text(p.lifecyclestage),
        custom: pick(p, settings.HUBSPOT_COMPANY_PROPERTIES),
        crm: 'hubspot',
      };
    },
  };
}

/** HubSpot sends every property value as a string; empty means unset. */
function text(v: string | null | undefined): string | null {
  return v === undefined || v === null || v === '' ? null : v;
}

function number(v: string | null | undefined): number | null {
  const t = text(v);
  if (t === null) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

function pick(props: Properties, names: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(names.map((n) => [n, text(props[n])]));
}
