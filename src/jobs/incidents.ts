import { duration } from '../core/retry-policy.js';

/**
 * When a connector is in trouble, as a pure state machine fed with attempt outcomes and their
 * times (no I/O, no clock of its own). An incident opens when a job dead-letters, when
 * `consecutiveFailures` attempts in a row fail, or when `failureRate` of at least `minAttempts`
 * attempts within `windowMs` fail; it closes after `recoveryAfter` successes in a row. While it
 * is open, more failures are counted on it, not announced: the operator hears once when it
 * starts and once when it ends.
 */
export interface IncidentRules {
  /** Failed attempts in a row that open an incident. Default 5. */
  consecutiveFailures: number;
  /** Share of failed attempts within `windowMs` that opens one. Default 0.5. */
  failureRate: number;
  /** Window of the failure rate. Default 5 min. */
  windowMs: number;
  /** Fewest attempts in the window for the rate to count. Default 20. */
  minAttempts: number;
  /** Successes in a row that close an incident. Default 3. */
  recoveryAfter: number;
}

export const DEFAULT_INCIDENT_RULES: IncidentRules = {
  consecutiveFailures: 5,
  failureRate: 0.5,
  windowMs: 5 * 60_000,
  minAttempts: 20,
  recoveryAfter: 3,
};

/** What an attempt did, as far as incidents go (a sandboxed or deferred job is neither). */
export type AttemptSignal = 'succeeded' | 'retry' | 'dead';

export interface Incident {
  /** `zendesk`, or `plan` for the planning step (CRM enrichment, survey APIs). */
  connector: string;
  openedAt: string;
  /** Why it opened, in words. */
  reason: string;
  /** Failed attempts while open, the one that opened it included. */
  failures: number;
  /** Jobs that went to `dead` while open. */
  deadLettered: number;
  lastError: string | null;
  /** Set when it closes. */
  recoveredAt?: string;
}

export type IncidentNotice = { kind: 'opened' | 'recovered'; incident: Incident };

/**
 * Where incidents are kept and decided: an {@link IncidentTracker} in the process (Node), or one
 * shared by every isolate (Workers' IncidentsObject), so that an incident is announced once.
 */
export interface IncidentLedger {
  record(connector: string, signal: AttemptSignal, at: Date, error?: string | null): IncidentNotice | undefined | Promise<IncidentNotice | undefined>;
  /** Incidents open now, as far as this process knows (for `/healthz`). */
  openIncidents(): Incident[];
}

/** An {@link IncidentTracker}'s whole state, as plain data (kept in a Durable Object's storage). */
export type IncidentTrackerState = Record<string, ConnectorState>;

interface ConnectorState {
  failuresInARow: number;
  successesInARow: number;
  /** Attempts within the window, counted in tenths of it (bounded memory at any throughput). */
  recent: { slot: number; attempts: number; failures: number }[];
  open?: Incident;
}

export class IncidentTracker implements IncidentLedger {
  private readonly states: Map<string, ConnectorState>;

  constructor(
    private readonly rules: IncidentRules = DEFAULT_INCIDENT_RULES,
    /** State saved by {@link snapshot}, to carry on from. Default: nothing seen yet. */
    saved: IncidentTrackerState = {},
  ) {
    this.states = new Map(Object.entries(structuredClone(saved)));
  }

  /** The whole state as plain data, for {@link IncidentTracker}'s `saved`. */
  snapshot(): IncidentTrackerState {
    return structuredClone(Object.fromEntries(this.states));
  }

  /** Feed one attempt's outcome; returns a notice when an incident opens or closes. */
  record(connector: string, signal: AttemptSignal, at: Date, error: string | null = null): IncidentNotice | undefined {
    const s = this.state(connector);
    const t = at.getTime();
    const failed = signal !== 'succeeded';
    const slotMs = this.rules.windowMs / 10;
    const slot = Math.floor(t / slotMs);
    const last = s.recent.at(-1);
    if (last?.slot === slot) {
      last.attempts += 1;
      last.failures += failed ? 1 : 0;
    } else {
      s.recent.push({ slot, attempts: 1, failures: failed ? 1 : 0 });
    }
    while (s.recent.length && s.recent[0]!.slot <= slot - 10) s.recent.shift();

    if (!failed) {
      s.failuresInARow = 0;
      s.successesInARow += 1;
      if (s.open && s.successesInARow >= this.rules.recoveryAfter) {
        const incident = { ...s.open, recoveredAt: at.toISOString() };
        s.open = undefined;
        return { kind: 'recovered', incident };
      }
      return undefined;
    }

    s.successesInARow = 0;
    s.failuresInARow += 1;
    if (s.open) {
      s.open.failures += 1;
      if (signal === 'dead') s.open.deadLettered += 1;
      s.open.lastError = error ?? s.open.lastError;
      return undefined;
    }
    const reason = this.reasonToOpen(s, signal);
    if (!reason) return undefined;
    s.open = { connector, openedAt: at.toISOString(), reason, failures: 1, deadLettered: signal === 'dead' ? 1 : 0, lastError: error };
    return { kind: 'opened', incident: { ...s.open } };
  }

  /** Incidents open now (for `/healthz`). */
  openIncidents(): Incident[] {
    return [...this.states.values()].flatMap((s) => (s.open ? [{ ...s.open }] : []));
  }

  private reasonToOpen(s: ConnectorState, signal: AttemptSignal): string | undefined {
    if (signal === 'dead') return 'a job was dead-lettered';
    if (s.failuresInARow >= this.rules.consecutiveFailures) return `${s.failuresInARow} attempts in a row failed`;
    const attempts = s.recent.reduce((n, r) => n + r.attempts, 0);
    const failures = s.recent.reduce((n, r) => n + r.failures, 0);
    if (attempts >= this.rules.minAttempts && failures / attempts >= this.rules.failureRate) {
      return `${failures} of the last ${attempts} attempts failed (within ${duration(this.rules.windowMs)})`;
    }
    return undefined;
  }

  private state(connector: string): ConnectorState {
    let s = this.states.get(connector);
    if (!s) this.states.set(connector, (s = { failuresInARow: 0, successesInARow: 0, recent: [] }));
    return s;
  }
}
