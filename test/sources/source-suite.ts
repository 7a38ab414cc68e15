import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredResponse } from '../../src/core/response.js';
import { SOURCES } from '../../src/sources/registry.js';
import { makeTestHub, postWebhook } from '../support/hub.js';
import { SPECS } from '../support/shared.js';
import { TOKEN_HEADER, TOKEN_QUERY } from '../../src/sources/signature.js';

/** Shared fixtures (`shared/specs/payloads` beside the repository), read at test time. */
export const PAYLOADS = `${SPECS}/payloads`;
/** The signing secret of the fixtures' test vectors (payloads/README.md). */
export const SECRET = 'dev_secret_123';

/** The three personas' verbatims, as in every fixture. */
export const COMMENTS = {
  promoter: 'Switching our dispatch team over took one afternoon and your support answered every question within minutes. Keep it up! 🚀',
  passive: 'Solid product, but the reporting exports are still a bit clunky.',
  detractor:
    'Leider sehr enttäuscht 😞. Since the March update the sync between the mobile app and the dashboard breaks every few hours — our field technicians lose their notes (¡otra vez!) and we end up re-entering data by hand. I opened three tickets (#48213, #48377, #48502) and each time got a canned reply.\n\nWe pay for the “Premium” tier and expected better: response times > 48 h, no root-cause analysis, and the status page showed everything green ✅ while we were down 🔥. If this isn\'t fixed before our renewal in Q1 we will move to another vendor. 你们需要认真对待这个问题。 — J.W. 🙏',
};
export const EMAILS = {
  promoter: 'maya.okonkwo@brightlane.example.com',
  passive: 'tomas.ferreira@quillbyte.example.com',
  detractor: 'juergen.weiss@nordhafen-energie.example.com',
};
export const NAMES = { promoter: 'Maya Okonkwo', passive: 'Tomás Ferreira', detractor: 'Jürgen Weiß-Kowalczyk' };

/** Sources without shared fixtures keep their own here (same personas). */
export const LOCAL_PAYLOADS = join(import.meta.dirname, 'fixtures');

export function fixtureBytes(source: string, file: string, dir = PAYLOADS): Uint8Array {
  return new Uint8Array(readFileSync(join(dir, source, file)));
}

/** A fixture parsed, a fresh copy each call (tests edit it). */
export function fixtureJson(source: string, file: string, dir = PAYLOADS): any {
  return JSON.parse(new TextDecoder().decode(fixtureBytes(source, file, dir)));
}

type Json = any;

/** What one fixture must normalize to (fields left out are not asserted). */
export type Expected = Partial<Pick<StoredResponse, 'sourceResponseId' | 'surveyId' | 'metric' | 'score' | 'scale' | 'category' | 'comment' | 'answeredAt' | 'touchpoint'>> & {
  email: string | null;
  name?: string | null;
  externalId?: string | null;
  extra?: Record<string, unknown>;
};

/** Sources that cannot sign: the shared secret as the `X-Closeloop-Token` header. */
export const headerTokenAuth = {
  sign: (_body: Uint8Array, secret: string) => ({ [TOKEN_HEADER]: secret }),
  signsBody: false,
  signatureField: TOKEN_HEADER,
} as const;

/** Sources that can only be given a URL: the shared secret as `?token=`. */
export const urlTokenAuth = {
  sign: () => ({}),
  query: (secret: string) => `?${TOKEN_QUERY}=${encodeURIComponent(secret)}`,
  signsBody: false,
  signatureField: TOKEN_HEADER,
} as const;

export interface SourceSuite {
  source: string;
  /** Folder holding `<source>/<file>` fixtures; default the shared payloads. */
  dir?: string;
  /** The variable the secret is read from (asserted against the adapter). */
  secretVariable: string;
  /** Extra environment (settings) for every test. */
  env?: Record<string, string>;
  /** Headers that sign `body` with `secret` the vendor's way. */
  sign(body: Uint8Array, secret: string): Promise<Record<string, string>> | Record<string, string>;
  /** Whether the signature covers the body (false for shared-token sources: a flipped body byte still passes). */
  signsBody: boolean;
  /** Header (or `?token`) named in the 401 when nothing is signed. */
  signatureField: string;
  /** Appended to the URL (e.g. `?token=…` for tools that only take a URL); given the secret. */
  query?: (secret: string) => string;
  fixtures: { file: string; expected: Expected }[];
  /** A documented signing test vector (payloads/README.md), posted as given. */
  vector?: { file: string; headers: Record<string, string> };
  /** Edits of a parsed fixture, to derive the edge cases from a real body. */
  edit: {
    setId(body: Json, id: string): void;
    setScore(body: Json, score: unknown): void;
    removeComment(body: Json): void;
    /** Sets the time the respondent answered, in the source's own form (`timeFormat`). */
    setAnsweredAt(body: Json, value: unknown): void;
  };
  /** How the source sends the time of an answer. */
  timeFormat: TimeFormat;
  /** The fixture the edge cases start from. */
  base: string;
  /** A score sent as a string, and what it must become. */
  stringScore: { send: string; score: number; category: string };
  /** A score outside the scale, and the vendor field the 422 must name. */
  outOfRange: { send: unknown; field: string };
  /** A body that is not this source's format, and a field the 422 must name. */
  wrongFormat: { body: Json; field: string };
}

const encoder = new TextEncoder();

type TimeFormat = 'unix-seconds' | 'epoch-ms' | 'iso';
/**
 * Times in a source's own form that no four-digit year holds: past what a Date can hold (the
 * first is the Intercom `created_at` a fuzz run found answered with a 500), or a Date would print
 * as `+010000-…`, which the response schema refuses, or not a time at all.
 */
const UNREADABLE_TIMES: Record<TimeFormat, unknown[]> = {
  'unix-seconds': [8640000000000.001, 253402300800, '99999999999999999999', 1e300],
  'epoch-ms': [8640000000000001, 253402300800000, '99999999999999999999'],
  iso: ['+275760-09-13T00:00:00Z', '+010000-01-01T00:00:00Z', 'not a time'],
};
/** The last moment with a four-digit year, in each form, and what it must be stored as. */
const LAST_TIME: Record<TimeFormat, { send: unknown; stored: string }> = {
  'unix-seconds': { send: 253402300799, stored: '9999-12-31T23:59:59.000Z' },
  'epoch-ms': { send: '253402300799999', stored: '9999-12-31T23:59:59.999Z' },
  iso: { send: '9999-12-31T23:59:59Z', stored: '9999-12-31T23:59:59Z' },
};

/**
 * The same acceptance table for every source: fixtures with their signatures, 401s, resends,
 * and the edge cases real senders produce.
 */
export function describeSource(suite: SourceSuite) {
  let hub: ReturnType<typeof makeTestHub>;
  const start = (env: Record<string, string> = {}) => {
    hub = makeTestHub({ env: { [suite.secretVariable]: SECRET, ...suite.env, ...env } });
    return hub;
  };
  afterEach(async () => hub?.cleanup());

  const url = (secret: string) => suite.source + (suite.query?.(secret) ?? '');
  async function post(body: Uint8Array | Json, options: { secret?: string; headers?: Record<string, string>; sign?: boolean } = {}) {
    const bytes = body instanceof Uint8Array ? body : encoder.encode(JSON.stringify(body));
    const secret = options.secret ?? SECRET;
    const signature = options.sign === false ? {} : await suite.sign(bytes, secret);
    const res = await postWebhook(hub, url(options.sign === false ? '' : secret), bytes, { ...signature, ...options.headers });
    return { status: res.status, json: (await res.json()) as Json };
  }
  const stored = async (id: string) => (await hub.store.getResponse(id))!;
  const base = () => fixtureJson(suite.source, suite.base, suite.dir);

  describe(`${suite.source} source`, () => {
    it(`reads its secret from ${suite.secretVariable}`, () => {
      expect(SOURCES.get(suite.source)?.secretVariable).toBe(suite.secretVariable);
      expect(suite.secretVariable).toBe(`${suite.source.toUpperCase().replace(/-/g, '_')}_WEBHOOK_SECRET`);
    });

    for (const { file, expected } of suite.fixtures) {
      it(`accepts ${file}, signed, and normalizes it exactly`, async () => {
        start();
        const res = await post(fixtureBytes(suite.source, file, suite.dir));
        expect(res.status, JSON.stringify(res.json)).toBe(202);
        expect(res.json.duplicate).toBe(false);
        const r = await stored(res.json.id);
        const { email, name, externalId, extra, ...fields } = expected;
        expect(r).toMatchObject({ source: suite.source, ...fields });
        expect(r.respondent.email).toBe(email);
        if (name !== undefined) expect(r.respondent.name).toBe(name);
        if (externalId !== undefined) expect(r.respondent.externalId).toBe(externalId);
        if (extra) expect(r.extra).toMatchObject(extra);
        // The raw body is kept byte for byte.
        expect((await hub.store.getRawBody(res.json.id))?.body).toBe(new TextDecoder().decode(fixtureBytes(suite.source, file, suite.dir)));
      });
    }

    if (suite.vector) {
      const vector = suite.vector;
      it(`accepts the documented test vector for ${vector.file}`, async () => {
        start();
        const res = await postWebhook(hub, url(SECRET), fixtureBytes(suite.source, vector.file, suite.dir), vector.headers);
        expect(res.status).toBe(202);
      });
    }

    it('answers 401 naming the header when the signature is missing', async () => {
      start();
      const res = await post(fixtureBytes(suite.source, suite.base, suite.dir), { sign: false });
      expect(res.status).toBe(401);
      expect(res.json.error.issues[0].field).toBe(suite.signatureField);
    });

    it('answers 401 to a wrong secret, and stores nothing', async () => {
      start();
      const res = await post(fixtureBytes(suite.source, suite.base, suite.dir), { secret: 'not_the_secret' });
      expect(res.status).toBe(401);
      expect(await hub.store.listResponses({ limit: 10 })).toEqual([]);
    });

    if (suite.signsBody) {
      it('answers 401 when one byte of the signed body is flipped', async () => {
        start();
        const bytes = fixtureBytes(suite.source, suite.base, suite.dir);
        const headers = await suite.sign(bytes, SECRET);
        const flipped = new Uint8Array(bytes);
        const at = flipped.indexOf('"'.charCodeAt(0), flipped.length / 2);
        flipped[at + 1]! ^= 0x01;
        const res = await postWebhook(hub, url(SECRET), flipped, headers);
        expect(res.status).toBe(401);
        expect(await hub.store.listResponses({ limit: 10 })).toEqual([]);
      });
    }

    it('answers a resend with duplicate: true and the same id', async () => {
      start();
      const bytes = fixtureBytes(suite.source, suite.base, suite.dir);
      const first = await post(bytes);
      const again = await post(bytes);
      expect(first.status).toBe(202);
      expect(again).toMatchObject({ status: 202, json: { id: first.json.id, duplicate: true } });
      expect(await hub.store.listResponses({ limit: 10 })).toHaveLength(1);
    });

    it('accepts a score sent as a string', async () => {
      start();
      const body = base();
      suite.edit.setId(body, 'string-score-1');
      suite.edit.setScore(body, suite.stringScore.send);
      const res = await post(body);
      expect(res.status, JSON.stringify(res.json)).toBe(202);
      const r = await stored(res.json.id);
      expect([r.score, r.category]).toEqual([suite.stringScore.score, suite.stringScore.category]);
    });

    it('accepts a response without a comment', async () => {
      start();
      const body = base();
      suite.edit.setId(body, 'no-comment-1');
      suite.edit.removeComment(body);
      const res = await post(body);
      expect(res.status, JSON.stringify(res.json)).toBe(202);
      expect((await stored(res.json.id)).comment).toBeNull();
    });

    it('ignores unknown extra fields', async () => {
      start();
      const body = { ...base(), unexpected_top_level: { nested: [1, 2, 3] }, another: 'field' };
      suite.edit.setId(body, 'extra-fields-1');
      const res = await post(body);
      expect(res.status, JSON.stringify(res.json)).toBe(202);
      const plain = base();
      suite.edit.setId(plain, 'extra-fields-2');
      const ref = await post(plain);
      const [a, b] = [await stored(res.json.id), await stored(ref.json.id)];
      // Same normalized response apart from the hub's own id/time and the response id (which some sources echo in extra).
      const comparable = (r: StoredResponse, id: string) => JSON.parse(JSON.stringify({ ...r, id: '', receivedAt: '' }).replaceAll(id, '<id>'));
      expect(comparable(a, 'extra-fields-1')).toEqual(comparable(b, 'extra-fields-2'));
    });

    it('stores a response whose time it cannot read without that time, and reads the last four-digit year', async () => {
      start();
      for (const [i, value] of UNREADABLE_TIMES[suite.timeFormat].entries()) {
        const body = base();
        suite.edit.setId(body, `unreadable-time-${i}`);
        suite.edit.setAnsweredAt(body, value);
        const res = await post(body);
        expect(res.status, `${JSON.stringify(value)}: ${JSON.stringify(res.json)}`).toBe(202);
        expect((await stored(res.json.id)).answeredAt, JSON.stringify(value)).toBeNull();
      }
      const body = base();
      suite.edit.setId(body, 'last-time');
      suite.edit.setAnsweredAt(body, LAST_TIME[suite.timeFormat].send);
      const res = await post(body);
      expect(res.status, JSON.stringify(res.json)).toBe(202);
      expect((await stored(res.json.id)).answeredAt).toBe(LAST_TIME[suite.timeFormat].stored);
    });

    it('answers 422 naming the score field when the score is out of range', async () => {
      start();
      const body = base();
      suite.edit.setId(body, 'out-of-range-1');
      suite.edit.setScore(body, suite.outOfRange.send);
      const res = await post(body);
      expect(res.status).toBe(422);
      expect(res.json.error.issues.map((i: { field: string }) => i.field)).toContain(suite.outOfRange.field);
      expect(await hub.store.listResponses({ limit: 10 })).toEqual([]);
    });

    it('answers 422 naming what is missing when the body is not this source’s format', async () => {
      start();
      const res = await post(suite.wrongFormat.body);
      expect(res.status).toBe(422);
      expect(res.json.error.issues.map((i: { field: string }) => i.field)).toContain(suite.wrongFormat.field);
    });

    it('accepts unsigned requests when no secret is set', async () => {
      start({ [suite.secretVariable]: '' });
      const res = await post(fixtureBytes(suite.source, suite.base, suite.dir), { sign: false });
      expect(res.status).toBe(202);
    });
  });

  const storedCount = async () => (await hub.store.listResponses({ limit: 500 })).length;
  return { start: (env?: Record<string, string>) => start(env), post, stored, storedCount };
}
