import type { DurableObjectNamespace, DurableObjectState } from '@cloudflare/workers-types/latest/index.js';
import { DurableObject } from 'cloudflare:workers';
import { IncidentTracker, type AttemptSignal, type Incident, type IncidentLedger, type IncidentNotice, type IncidentTrackerState } from '../../jobs/incidents.js';

const STATE_KEY = 'tracker';
/** The one object: incidents are the hub's, not a key's. */
const OBJECT_NAME = 'incidents';

/**
 * The hub's incidents on Workers, in one Durable Object fed by every isolate's job runs: the
 * rules stay {@link IncidentTracker}'s; this object only holds its state (in storage, so an
 * eviction forgets nothing) and answers each attempt in turn, so exactly one caller is told
 * that an incident opened (and announces it), however many isolates see the failures.
 */
export class IncidentsObject extends DurableObject {
  private tracker = new IncidentTracker();

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      const saved = await ctx.storage.get<IncidentTrackerState>(STATE_KEY);
      if (saved) this.tracker = new IncidentTracker(undefined, saved);
    });
  }

  /** One finished attempt; the notice when it opens or closes an incident, and what is open now. */
  async record(connector: string, signal: AttemptSignal, at: Date, error: string | null): Promise<{ notice: IncidentNotice | undefined; open: Incident[] }> {
    const notice = this.tracker.record(connector, signal, at, error);
    await this.ctx.storage.put(STATE_KEY, this.tracker.snapshot());
    return { notice, open: this.tracker.openIncidents() };
  }

  async openIncidents(): Promise<Incident[]> {
    return this.tracker.openIncidents();
  }
}

/**
 * OperatorAlerts' ledger on Workers (its `tracker` option): attempts go to the
 * {@link IncidentsObject}; `openIncidents()` is what it last answered (refreshed by every
 * attempt, and by {@link refresh} before a `/healthz` answer).
 */
export class DurableObjectIncidents implements IncidentLedger {
  private open: Incident[] = [];

  constructor(private readonly objects: DurableObjectNamespace<IncidentsObject>) {}

  private object() {
    return this.objects.get(this.objects.idFromName(OBJECT_NAME));
  }

  async record(connector: string, signal: AttemptSignal, at: Date, error: string | null = null): Promise<IncidentNotice | undefined> {
    const { notice, open } = await this.object().record(connector, signal, at, error);
    this.open = open;
    return notice;
  }

  openIncidents(): Incident[] {
    return this.open;
  }

  /** Ask the object what is open now. */
  async refresh(): Promise<Incident[]> {
    this.open = await this.object().openIncidents();
    return this.open;
  }
}
