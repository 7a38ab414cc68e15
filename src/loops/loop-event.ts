/** How far a response's loop has come: someone answered the customer (acknowledged), the conversation ended (closed). */
export type LoopStep = 'acknowledged' | 'closed';

/** One inbound event about a ticket or conversation that the hub opened for a response. */
export interface LoopEvent {
  /** Where it came from (`zendesk`, `intercom`, `slack`). */
  source: string;
  /** The sender's own event id: the same event delivered twice is recorded once. */
  eventId: string;
  step: LoopStep;
  /** When it happened, by the sender's clock (ISO 8601). */
  at: string;
  /** Who did it, as the sender names them (`Dana Scully`), or null when it does not say. */
  actor: string | null;
  /** How to find the response: the job that created the remote object. */
  target: LoopTarget;
}

/** The remote object an event is about, as the job that created it recorded it. */
export type LoopTarget =
  /** A Zendesk ticket: its `external_id` is the creating job's key; its id is that job's `result.remoteId`. */
  | { kind: 'zendesk-ticket'; externalId: string | null; ticketId: string }
  /** An Intercom conversation with these contacts: the newest response whose Intercom job recorded one of them. */
  | { kind: 'intercom-contact'; contactIds: string[] }
  /** The response itself (a Slack app button on its message carries its id). */
  | { kind: 'response'; responseId: string };

/** A sender's event read: the loop event it carries (null: an event that moves no loop), or why it is invalid. */
export type ParsedLoopEvent = { event: LoopEvent | null; error?: undefined } | { error: import('zod').ZodError; event?: undefined };

/** The loop of one response, as stored. Open until acknowledged; a loop never moves back. */
export interface LoopState {
  responseId: string;
  status: 'open' | LoopStep;
  /** When the response was received: the loop is open from then on. */
  openedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  closedAt: string | null;
  closedBy: string | null;
}

/** An event delivered or sent again out of order changes nothing it should not: the earliest acknowledgement and closure stand. */
export function statusOf(loop: Pick<LoopState, 'acknowledgedAt' | 'closedAt'>): LoopState['status'] {
  return loop.closedAt ? 'closed' : loop.acknowledgedAt ? 'acknowledged' : 'open';
}

/** `3 h 12 min`, `2 d 4 h`, `45 s`: how long a loop took, in a Slack reply. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return h ? `${d} d ${h} h` : `${d} d`;
  if (h) return m ? `${h} h ${m} min` : `${h} h`;
  if (m) return `${m} min`;
  return `${s} s`;
}
