import type { Env } from '../core/env.js';
import type { SignedParts } from './signature.js';

/** What `closeloop send` puts into a source's example body; a value left out keeps the example's. */
export interface SampleValues {
  /** The response's id in the tool (a new one each send, so the hub does not take it for a resend). */
  id: string;
  /** The score as the tool sends it: a number (`good`/`bad` for Zendesk CSAT). */
  score?: string;
  comment?: string;
  email?: string;
}

/** A body as the tool sends it. */
export interface SampleBody {
  body: string;
  contentType: string;
  /** Values the tool's webhook does not carry (its answers are read later through its API). */
  notCarried?: (keyof SampleValues)[];
}

/** A parsed JSON example (`samples/<source>.json`), edited in place by a source's `sample`. */
export type JsonExample = Record<string, any>;

/**
 * How a tool builds and signs its webhook, for `closeloop send` (and the tests): one per source,
 * beside its `verify` and `parse`.
 */
export interface SourceSampler {
  /** The example (`samples/<name>.json`, the tool's real shape) with `values` in place. */
  sample(example: JsonExample, values: SampleValues, env: Env): SampleBody;
  /** Sign `body` as the tool does with `secret`; `url` is where it is posted, `now` the time it states. */
  sign(body: Uint8Array, secret: string, context: { url: string; now: Date }): SignedParts | Promise<SignedParts>;
}

/** The example as JSON after `fill` edits a copy of it. */
export function jsonSample(example: JsonExample, fill: (body: JsonExample) => void): SampleBody {
  const body = structuredClone(example);
  fill(body);
  return { body: JSON.stringify(body, null, 2), contentType: 'application/json' };
}

/** A score as a number when it is one (most tools send numbers), else as given. */
export function scoreValue(score: string): number | string {
  const n = Number(score);
  return score.trim() !== '' && Number.isFinite(n) ? n : score;
}

/** A webhook ready to post: what `closeloop send` sends. */
export interface SampleWebhook {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Values the tool's webhook does not carry (see {@link SampleBody}). */
  notCarried: (keyof SampleValues)[];
}

/**
 * The webhook `source` would send to the hub at `baseUrl` (`http://localhost:8787`): its example
 * body with `values` in place, signed with `secret` as the tool signs (unsigned when there is
 * none). Throws when the source has no sample.
 */
export async function sampleWebhook(
  source: { name: string; sample?: SourceSampler['sample']; sign?: SourceSampler['sign'] },
  options: { example: JsonExample; values: SampleValues; secret: string | undefined; baseUrl: string; env: Env; now: Date },
): Promise<SampleWebhook> {
  if (!source.sample || !source.sign) throw new Error(`${source.name} has no sample webhook`);
  const { body, contentType, notCarried = [] } = source.sample(options.example, options.values, options.env);
  const endpoint = `${options.baseUrl.replace(/\/+$/, '')}/webhooks/${source.name}`;
  const signed = options.secret ? await source.sign(new TextEncoder().encode(body), options.secret, { url: endpoint, now: options.now }) : { headers: {} };
  const query = signed.query ? `?${new URLSearchParams(signed.query)}` : '';
  return { url: endpoint + query, headers: { 'content-type': contentType, ...signed.headers }, body, notCarried };
}
