import type { Logger } from '../core/logger.js';
import type { Store } from '../store/store.js';
import type { Job, NewJob } from '../core/job.js';
import { IncidentTracker, type AttemptSignal, type Incident, type IncidentLedger, type IncidentNotice } from './incidents.js';
import { duration } from '../core/retry-policy.js';

/** Options of {@link OperatorAlerts}. */
export interface OperatorAlertsOptions {
  log: Logger;
  store: Store;
  /** Where incidents are decided. Default: an {@link IncidentTracker} of this process. */
  tracker?: IncidentLedger;
  /**
   * Slack channel told about incidents (`CLOSELOOP_ALERT_CHANNEL`), through the Slack connector
   * as an ordinary durable `slack.postMessage` job. Unset, or Slack not configured: logs only.
   */
  alertChannel?: string;
  slackConfigured: boolean;
  /** Attempts of an alert job (the Slack connector's). */
  maxAttempts: number;
  /** Connector titles for the messages (`zendesk` → `Zendesk`). */
  titles?: ReadonlyMap<string, string>;
}

/**
 * Tells the operator when a connector starts failing or jobs dead-letter, and when it recovers:
 * once per incident (see {@link IncidentTracker}), in the log at error level and, when
 * `CLOSELOOP_ALERT_CHANNEL` is set, in Slack.
 */
export class OperatorAlerts {
  readonly tracker: IncidentLedger;
  /** The last refused recipe reload's problems: an editor saving the same broken file again is not told twice. */
  private refusedRecipes: string | undefined;

  constructor(private readonly options: OperatorAlertsOptions) {
    this.tracker = options.tracker ?? new IncidentTracker();
  }

  /** Feed a finished attempt of `job`. Never throws (an alert must not fail a delivery). */
  async record(job: Job, signal: AttemptSignal, at: Date, error: string | null = null): Promise<IncidentNotice | undefined> {
    const connector = job.type === 'plan' ? 'plan' : (job.action ?? 'unknown').split('.')[0]!;
    let notice: IncidentNotice | undefined;
    try {
      notice = await this.tracker.record(connector, signal, at, error);
    } catch (e) {
      // A shared ledger (a Durable Object) out of reach: this attempt is not counted, nothing else fails.
      this.options.log.error({ err: e, connector }, 'could not record the attempt for incidents');
      return undefined;
    }
    if (!notice) return undefined;
    try {
      await this.announce(notice, at);
    } catch (e) {
      this.options.log.error({ err: e, connector }, 'could not record the operator alert');
    }
    return notice;
  }

  /**
   * A recipe reload was refused (the running recipes stay): logged at error level and, with
   * `CLOSELOOP_ALERT_CHANNEL`, posted to Slack; once per distinct list of problems. Never throws.
   */
  async recipesRefused(problems: string, at: Date): Promise<void> {
    if (problems === this.refusedRecipes) return;
    this.refusedRecipes = problems;
    this.options.log.error({ problems }, `recipes not reloaded, the running recipes stay: ${problems}`);
    if (!this.options.alertChannel || !this.options.slackConfigured) return;
    const job: NewJob = {
      key: `alert:recipes:${at.toISOString()}`,
      type: 'action',
      responseId: `recipes:${at.toISOString()}`,
      recipe: null,
      actionId: 'recipes-refused',
      action: 'slack.postMessage',
      params: { channel: this.options.alertChannel, text: 'closeloop: recipes not reloaded — the running recipes stay', fields: [], quote: problems.slice(0, 2900), context: 'Fix the files and save again, or run closeloop check' },
      maxAttempts: this.options.maxAttempts,
      runAt: at.toISOString(),
    };
    try {
      await this.options.store.enqueueJobs([job]);
    } catch (e) {
      this.options.log.error({ err: e }, 'could not record the operator alert');
    }
  }

  /** The recipes reloaded: a later refusal is told again, even with the same problems. */
  recipesReloaded(): void {
    this.refusedRecipes = undefined;
  }

  openIncidents(): Incident[] {
    return this.tracker.openIncidents();
  }

  private async announce({ kind, incident }: IncidentNotice, at: Date): Promise<void> {
    const title = this.titleOf(incident.connector);
    const facts = {
      connector: incident.connector,
      since: incident.openedAt,
      reason: incident.reason,
      failures: incident.failures,
      deadLettered: incident.deadLettered,
      lastError: incident.lastError,
    };
    if (kind === 'opened') {
      this.options.log.error({ incident: facts }, `${title} is failing: ${incident.reason}${incident.lastError ? ` (${incident.lastError})` : ''}`);
    } else {
      const lasted = duration(Date.parse(incident.recoveredAt!) - Date.parse(incident.openedAt));
      this.options.log.error({ incident: { ...facts, recoveredAt: incident.recoveredAt } }, `${title} recovered after ${lasted}: ${incident.failures} failed attempts, ${incident.deadLettered} dead-lettered job(s)`);
    }
    if (!this.options.alertChannel || !this.options.slackConfigured) return;
    await this.options.store.enqueueJobs([this.alertJob(kind, incident, at)]);
  }

  private alertJob(kind: 'opened' | 'recovered', incident: Incident, at: Date): NewJob {
    const title = this.titleOf(incident.connector);
    const replay = `closeloop replay --dead${incident.connector === 'plan' ? '' : ` --connector ${incident.connector}`} --since ${incident.openedAt}`;
    const text =
      kind === 'opened'
        ? `closeloop: ${title} is failing — ${incident.reason}`
        : `closeloop: ${title} recovered after ${duration(Date.parse(incident.recoveredAt!) - Date.parse(incident.openedAt))}`;
    const fields = [
      { label: 'Since', value: incident.openedAt },
      ...(kind === 'recovered' ? [{ label: 'Failed attempts', value: String(incident.failures) }] : []),
      { label: 'Dead-lettered jobs', value: String(incident.deadLettered) },
      ...(incident.lastError ? [{ label: 'Last error', value: incident.lastError.slice(0, 500) }] : []),
    ];
    const context =
      kind === 'opened'
        ? 'Jobs keep retrying on their schedule; you will hear again when it recovers. Dead jobs: closeloop jobs --status dead'
        : incident.deadLettered > 0
          ? `Send the dead-lettered jobs again: ${replay}`
          : 'Nothing was lost: every job waiting for it is retried.';
    return {
      key: `alert:${incident.connector}:${incident.openedAt}:${kind}`,
      type: 'action',
      // Not about one response: the incident stands in for it.
      responseId: `incident:${incident.connector}:${incident.openedAt}`,
      recipe: null,
      actionId: `incident-${kind}`,
      action: 'slack.postMessage',
      params: { channel: this.options.alertChannel, text, fields, quote: '', context },
      maxAttempts: this.options.maxAttempts,
      runAt: at.toISOString(),
    };
  }

  private titleOf(connector: string): string {
    if (connector === 'plan') return 'Planning (CRM enrichment, survey APIs)';
    return this.options.titles?.get(connector) ?? connector;
  }
}
