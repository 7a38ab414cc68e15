import { z } from 'zod';
import type { IntercomClient } from 'intercom-client';
import { clip, FIELD_LIMITS, fullTextRef } from '../clip.js';
import { defineAction } from '../connector.js';
import { findOrCreateContact } from './contact.js';

export const AddNoteParams = z.strictObject({
  email: z.email('must be an email address'),
  /** Note text (plain text: HTML in it is shown as text, line breaks are kept); clipped to 10,000 characters. */
  body: z.string().trim().min(1, 'is required'),
  /** Intercom admin id the note is written as; default: the token's admin. */
  adminId: z.string().trim().default(''),
  /** Name for the contact if it has to be created. */
  name: z.string().default(''),
  /** Create a missing contact as a user (default) or a lead. */
  role: z.enum(['user', 'lead']).default('user'),
});
export type AddNoteParams = z.output<typeof AddNoteParams>;

/** The line every note ends with: how a retry recognises the note an earlier attempt wrote. */
export function noteMarker(jobKey: string): string {
  return `closeloop:${jobKey}`;
}

/** Notes are HTML: the text is escaped, one paragraph per line, then the marker in small print. */
export function noteHtml(text: string, jobKey: string, responseId?: string): string {
  text = clip(text, FIELD_LIMITS.intercom.noteBody, fullTextRef(responseId));
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const paragraphs = text.split(/\r?\n/).map((line) => `<p>${escape(line)}</p>`);
  return `${paragraphs.join('')}<p><small>${escape(noteMarker(jobKey))}</small></p>`;
}

/** Notes of a contact scanned for the marker; Intercom lists newest first, so a recent attempt is found early. */
const MAX_NOTES_SCANNED = 500;

export const addNote = defineAction({
  name: 'addNote',
  summary: 'Find or create the contact by email, then add a note to it',
  effectOnce:
    'Intercom notes have no idempotency key: each note ends with a `closeloop:<job key>` marker, and before writing, the action lists the contact\'s notes (`GET /contacts/{id}/notes`, newest first, up to 500) and skips if one carries the marker. The note id is stored on the job.',
  params: AddNoteParams,
  request: (p, job) => ({ method: 'POST', path: '/contacts/{contact id}/notes', body: { body: noteHtml(p.body, '<job key>', job?.responseId), ...(p.adminId ? { admin_id: p.adminId } : {}) } }),
  async run(client: IntercomClient, p, ctx) {
    const contact = await findOrCreateContact(client, p.email, { role: p.role, name: p.name });
    const marker = noteMarker(ctx.job.key);
    if (!contact.created) {
      let scanned = 0;
      for await (const note of await client.notes.list({ contact_id: contact.id })) {
        if (note.body?.includes(marker)) {
          ctx.log.info({ noteId: note.id }, 'intercom note already written by an earlier attempt');
          return { remoteId: String(note.id), contactId: contact.id, noteId: String(note.id), existing: true };
        }
        if (++scanned >= MAX_NOTES_SCANNED) break;
      }
    }
    const note = await client.notes.create({ contact_id: contact.id, body: noteHtml(p.body, ctx.job.key, ctx.job.responseId), ...(p.adminId ? { admin_id: p.adminId } : {}) });
    return { remoteId: String(note.id), contactId: contact.id, noteId: String(note.id), existing: false };
  },
});
