import { IntercomError, type IntercomClient } from 'intercom-client';

export interface IntercomContactRef {
  id: string;
  /** True when this call created it. */
  created: boolean;
}

/** The contact with this email (`POST /contacts/search`), or undefined. */
export async function findContactByEmail(client: IntercomClient, email: string): Promise<string | undefined> {
  const page = await client.contacts.search({ query: { field: 'email', operator: '=', value: email }, pagination: { per_page: 1 } });
  return page.data[0]?.id;
}

/**
 * Find the contact by email, or create it (`POST /contacts`, as a user or a lead). Intercom's
 * search index lags a few seconds behind writes, so a contact created by a previous attempt may
 * not be found yet: the create then answers 409 naming the existing id, which we use.
 */
export async function findOrCreateContact(
  client: IntercomClient,
  email: string,
  options: { role?: 'user' | 'lead'; name?: string } = {},
): Promise<IntercomContactRef> {
  const found = await findContactByEmail(client, email);
  if (found) return { id: found, created: false };
  try {
    const contact = await client.contacts.create({ email, role: options.role ?? 'user', ...(options.name ? { name: options.name } : {}) });
    return { id: (contact as { id: string }).id, created: true };
  } catch (error) {
    const existing = error instanceof IntercomError && error.statusCode === 409 ? conflictingId(error.body) : undefined;
    if (existing) return { id: existing, created: false };
    throw error;
  }
}

/** `A contact matching those details already exists with id=…` */
function conflictingId(body: unknown): string | undefined {
  const messages = ((body as { errors?: { message?: string }[] })?.errors ?? []).map((e) => e.message ?? '');
  for (const m of messages) {
    const id = /id=([0-9a-f]+)/i.exec(m)?.[1];
    if (id) return id;
  }
  return undefined;
}
