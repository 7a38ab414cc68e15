import * as associations from '@hubspot/api-client/lib/codegen/crm/associations/v4/index.js';
import * as companies from '@hubspot/api-client/lib/codegen/crm/companies/index.js';
import * as contacts from '@hubspot/api-client/lib/codegen/crm/contacts/index.js';
import * as tasks from '@hubspot/api-client/lib/codegen/crm/objects/tasks/index.js';
import * as owners from '@hubspot/api-client/lib/codegen/crm/owners/index.js';
import * as properties from '@hubspot/api-client/lib/codegen/crm/properties/index.js';
import { ApiClientConfigurator } from '@hubspot/api-client/lib/src/configuration/ApiClientConfigurator.js';
import { runsOnWorkers } from '../workers-runtime.js';

export { AssociationTypes } from '@hubspot/api-client/lib/src/enums/AssociationTypes.js';

/** What the SDK's `Client` is given: the token and the base URL. */
export interface HubSpotSdkOptions {
  accessToken?: string;
  /** Default https://api.hubapi.com (the generated clients' own server). */
  basePath?: string;
}

/**
 * The part of `@hubspot/api-client`'s `Client` the connector uses, with the same shape
 * (`sdk.crm.contacts.searchApi…`), built from the generated API modules alone. The `Client`
 * class pulls in every HubSpot API (10 of a Worker's 16 MB); these six are ~60 KiB gzip.
 * Each area is configured exactly as the SDK's own discovery classes do (User-agent header,
 * Bearer token, base URL); the SDK's retry and limiter decorators are not used (retries off).
 * On Workers the HTTP calls go through `fetch` (node-fetch would go through workerd's node:http).
 */
export interface HubSpotSdk {
  crm: {
    contacts: { basicApi: contacts.BasicApi; searchApi: contacts.SearchApi };
    companies: { basicApi: companies.BasicApi };
    owners: { ownersApi: owners.OwnersApi };
    properties: { coreApi: properties.CoreApi; groupsApi: properties.GroupsApi; batchApi: properties.BatchApi };
    associations: { v4: { basicApi: associations.BasicApi } };
    objects: { tasks: { basicApi: tasks.BasicApi; searchApi: tasks.SearchApi } };
  };
}

/** A generated module's request, as its HTTP library reads it. */
interface GeneratedRequest {
  getUrl(): string;
  getHttpMethod(): string;
  getHeaders(): Record<string, string>;
  getBody(): unknown;
}

/** What the generated modules share: their configuration classes and their HTTP plug. */
interface GeneratedModule<Config, Library> {
  // Typed loosely: each module declares the same parameters under its own class names.
  createConfiguration(options: any): Config;
  ServerConfiguration: new (url: string, variables: { [key: string]: string }) => unknown;
  Observable: new (promise: Promise<any>) => unknown;
  ResponseContext: new (status: number, headers: Record<string, string>, body: { text(): Promise<string>; binary(): Promise<any> }) => any;
  wrapHttpLibrary(library: { send(request: GeneratedRequest): Promise<any> }): Library;
}

/**
 * The generated clients' HTTP library over the platform's `fetch` (the modules' own plug,
 * `httpApi`), used on Workers; elsewhere the SDK's node-fetch one stays.
 */
function fetchHttpLibrary<Library>(m: GeneratedModule<unknown, Library>): Library {
  return m.wrapHttpLibrary({
    async send(request) {
      const res = await fetch(request.getUrl(), { method: request.getHttpMethod(), body: request.getBody() as BodyInit | undefined, headers: request.getHeaders() });
      const headers: Record<string, string> = {};
      res.headers.forEach((value, name) => {
        headers[name] = value;
      });
      // `binary` serves file downloads, which the connector never makes.
      return new m.ResponseContext(res.status, headers, { text: () => res.text(), binary: async () => new Uint8Array(await res.arrayBuffer()) });
    },
  });
}

export function createHubSpotSdk(options: HubSpotSdkOptions): HubSpotSdk {
  const overFetch = runsOnWorkers();
  // Each generated module has its own configuration classes, so each is configured on its own,
  // exactly as the SDK's discovery classes do.
  const configure = <Config, Library>(m: GeneratedModule<Config, Library>): Config =>
    m.createConfiguration({
      ...ApiClientConfigurator.getParams(options, m.ServerConfiguration, m.Observable, m.Observable),
      ...(overFetch ? { httpApi: fetchHttpLibrary(m) } : {}),
    });
  const contactsConfig = configure(contacts);
  const companiesConfig = configure(companies);
  const ownersConfig = configure(owners);
  const propertiesConfig = configure(properties);
  const associationsConfig = configure(associations);
  const tasksConfig = configure(tasks);
  return {
    crm: {
      contacts: { basicApi: new contacts.BasicApi(contactsConfig), searchApi: new contacts.SearchApi(contactsConfig) },
      companies: { basicApi: new companies.BasicApi(companiesConfig) },
      owners: { ownersApi: new owners.OwnersApi(ownersConfig) },
      properties: {
        coreApi: new properties.CoreApi(propertiesConfig),
        groupsApi: new properties.GroupsApi(propertiesConfig),
        batchApi: new properties.BatchApi(propertiesConfig),
      },
      associations: { v4: { basicApi: new associations.BasicApi(associationsConfig) } },
      objects: { tasks: { basicApi: new tasks.BasicApi(tasksConfig), searchApi: new tasks.SearchApi(tasksConfig) } },
    },
  };
}
