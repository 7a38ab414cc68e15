import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { RecordedRequest } from '../../support/http-recorder.js';
import { SPECS } from '../../support/shared.js';

const COLLECTION = `${SPECS}/salesforce/postman-salesforce-apis`;

/** One request template of Salesforce's Postman collection: method, path pattern, query names. */
export interface PostmanTemplate {
  name: string;
  method: string;
  url: string;
  path: RegExp;
  query: Set<string>;
}

/**
 * The request templates of the official collection (`rest/*.json`, `composite/*.json`):
 * `{{_endpoint}}/services/data/v{{version}}/sobjects/<SOBJECT_API_NAME>/<RECORD_ID>` becomes
 * `^/services/data/v\d+\.\d/sobjects/[^/]+/[^/]+/?$`.
 */
export function loadPostmanCollection(dir = COLLECTION): PostmanTemplate[] {
  const templates: PostmanTemplate[] = [];
  for (const folder of ['rest', 'composite']) {
    for (const file of readdirSync(join(dir, folder)).filter((f) => f.endsWith('.json'))) {
      const item = JSON.parse(readFileSync(join(dir, folder, file), 'utf8')) as {
        name: string;
        method: string;
        url: string;
        queryParams?: { key: string }[];
      };
      const [rawPath, rawQuery = ''] = item.url.replace(/^\{\{(_endpoint|url)\}\}/, '').split('?');
      const pattern = rawPath!
        .replace(/\/+$/, '')
        .split(/(\{\{version\}\}|<[A-Z_]+>)/)
        .map((part) => (part === '{{version}}' ? '\\d+\\.\\d' : /^<[A-Z_]+>$/.test(part) ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('');
      const query = new Set([
        ...(item.queryParams ?? []).map((q) => q.key),
        ...rawQuery.split('&').filter(Boolean).map((kv) => kv.split('=')[0]!),
      ]);
      templates.push({ name: item.name, method: item.method, url: item.url, path: new RegExp(`^${pattern}/?$`), query });
    }
  }
  return templates;
}

/**
 * Fail unless the request's method and path match a template of the collection and every
 * query parameter it sends is one the template names.
 */
export function expectInPostmanCollection(templates: readonly PostmanTemplate[], request: RecordedRequest): PostmanTemplate {
  const sent = `${request.method} ${request.url.pathname}${request.url.search}`;
  const match = templates.find(
    (t) => t.method === request.method && t.path.test(request.url.pathname) && [...request.url.searchParams.keys()].every((k) => t.query.has(k)),
  );
  expect(match, `${sent} is not a request of Salesforce's Postman collection`).toBeDefined();
  return match!;
}
