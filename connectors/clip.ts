/**
 * A vendor's documented limit on one field: characters (UTF-16 code units, as JavaScript and
 * Slack count them) or UTF-8 bytes (Zendesk's comment body is limited in bytes).
 */
export interface FieldLimit {
  max: number;
  /** Default `chars`. */
  unit?: 'chars' | 'utf8';
}

/** Where the whole text can be read, for the truncation marker: the response's id and how to show it. */
export function fullTextRef(responseId: string | undefined): string {
  return responseId ? `closeloop show ${responseId}` : 'closeloop show <response id>';
}

const utf8 = new TextEncoder();
const sizeOf = (text: string, unit: FieldLimit['unit']) => (unit === 'utf8' ? utf8.encode(text).length : text.length);
/** UTF-8 bytes of one code point. */
const utf8Bytes = (cp: number) => (cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4);

/**
 * `text` within `limit`: as it is when it fits, else cut (never inside a character) and ended with
 * `… (truncated; full text: <ref>)`, the whole of it within the limit. Every action clips its
 * vendor-limited fields with this when it builds its request, so a long verbatim is sent shortened
 * instead of the call being refused (a job no replay could fix).
 */
export function clip(text: string, limit: number | FieldLimit, ref: string): string {
  const { max, unit } = typeof limit === 'number' ? { max: limit, unit: 'chars' as const } : limit;
  if (sizeOf(text, unit) <= max) return text;
  const marker = `… (truncated; full text: ${ref})`;
  const room = max - sizeOf(marker, unit);
  // A limit too small for the marker gets the plain cut.
  const budget = room > 0 ? room : max;
  let used = 0;
  let end = 0;
  for (const ch of text) {
    const size = unit === 'utf8' ? utf8Bytes(ch.codePointAt(0)!) : ch.length;
    if (used + size > budget) break;
    used += size;
    end += ch.length;
  }
  return room > 0 ? text.slice(0, end).trimEnd() + marker : text.slice(0, end);
}

/**
 * Each vendor's documented field limits that a verbatim can reach (README "Hostile input", the
 * table in docs/security.md). Values are the vendor's, not the hub's choice, except where
 * marked.
 */
export const FIELD_LIMITS = {
  slack: {
    /** Block Kit section `text`: 3,000 characters. */
    sectionText: 3_000,
    /** Block Kit section `fields[]` text: 2,000 characters each. */
    sectionField: 2_000,
    /** A Block Kit text object (rich-text quote, context element): 3,000 characters. */
    textObject: 3_000,
  },
  zendesk: {
    /** Ticket subject: no limit in Zendesk's OAS; 250, the hub's own cap (a subject line). */
    subject: 250,
    /** Comment body: Zendesk stores up to 64 KB; kept under it in UTF-8 bytes. */
    commentBody: { max: 64_000, unit: 'utf8' } satisfies FieldLimit,
  },
  intercom: {
    /** Data event metadata: string values up to 255 characters. */
    metadataValue: 255,
    /** Note body: no documented limit; 10,000, the hub's own cap. */
    noteBody: 10_000,
  },
  hubspot: {
    /** CRM string property values: 65,536 characters. */
    stringProperty: 65_536,
  },
  salesforce: {
    /** Task `Subject`: 255 characters. */
    taskSubject: 255,
    /** Task `Description`: 32,000 characters. */
    taskDescription: 32_000,
    /** Long Text Area(32768), the type the NPS comment field is created with. */
    longTextArea: 32_768,
  },
} as const;
