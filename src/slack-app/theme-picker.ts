import { z } from 'zod';
import { ephemeral, type HandlerOutcome, type SlackAppDeps } from './handler.js';
import type { BlockAction, ViewSubmission } from './interaction.js';
import { messageUpdateJob } from './message-status.js';
import { ERASED_NOTE } from './response-buttons.js';

export const THEME_MODAL = 'closeloop_theme';
const BLOCK = 'theme';
/** Slack's limits: 100 options in a static select, 75 characters per option text, 3,000 of private metadata. */
const MAX_OPTIONS = 100;
const MAX_METADATA = 3_000;

/** What the modal remembers of the click: the response and, when it fits, the message to update. */
const ModalMetadata = z.object({
  responseId: z.string().min(1),
  channel: z.string().nullable(),
  message: z.object({ ts: z.string(), text: z.string(), blocks: z.array(z.record(z.string(), z.unknown())) }).nullable(),
});

function knownThemes(deps: SlackAppDeps): string[] {
  return (deps.themes?.rules.themes ?? []).map((t) => t.name).slice(0, MAX_OPTIONS);
}

/** "Theme…": a modal with a static select of the known themes (theme rules, CLOSELOOP_THEMES). */
export async function pickTheme(click: BlockAction, deps: SlackAppDeps): Promise<HandlerOutcome> {
  const themes = knownThemes(deps);
  if (!themes.length) return ephemeral(click.channelId, click.user.id, 'No themes are configured (CLOSELOOP_THEMES): there is nothing to pick from.');
  const response = click.value ? await deps.store.getResponse(click.value) : undefined;
  if (!response) return ephemeral(click.channelId, click.user.id, ERASED_NOTE);
  let metadata = JSON.stringify({ responseId: response.id, channel: click.channelId, message: click.message });
  if (metadata.length > MAX_METADATA) metadata = JSON.stringify({ responseId: response.id, channel: click.channelId, message: null });
  const view = {
    type: 'modal',
    callback_id: THEME_MODAL,
    private_metadata: metadata,
    title: { type: 'plain_text', text: 'Theme' },
    submit: { type: 'plain_text', text: 'Save' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: BLOCK,
        label: { type: 'plain_text', text: 'What is this response about?' },
        element: { type: 'static_select', action_id: BLOCK, options: themes.map((t) => ({ text: { type: 'plain_text', text: t.slice(0, 75) }, value: t.slice(0, 75) })) },
      },
    ],
  };
  return { after: (client) => client.openView({ trigger_id: click.triggerId, view }) };
}

/** The modal submitted: the theme is recorded on the response (who, when) and the message shows it. */
export async function themePicked(submission: ViewSubmission, deps: SlackAppDeps): Promise<HandlerOutcome> {
  const errors = (message: string) => ({ ack: { response_action: 'errors', errors: { [BLOCK]: message } } });
  let metadata: z.output<typeof ModalMetadata>;
  try {
    metadata = ModalMetadata.parse(JSON.parse(submission.privateMetadata));
  } catch {
    return errors('This form is out of date: open it again from the message.');
  }
  const theme = submission.values[BLOCK]?.[BLOCK]?.selected_option?.value;
  if (!theme || !knownThemes(deps).some((t) => t.slice(0, 75) === theme)) return errors('Pick one of the themes listed.');
  if (!(await deps.store.getResponse(metadata.responseId))) return errors(ERASED_NOTE);
  const eventId = `${submission.viewId}:${submission.user.id}`;
  await deps.actions.recordSlackAction({ eventId, responseId: metadata.responseId, kind: 'theme', user: submission.user, value: theme, at: deps.now().toISOString() });
  if (metadata.channel && metadata.message) {
    const click: BlockAction = { kind: 'block_action', actionId: THEME_MODAL, value: metadata.responseId, actionTs: '', user: submission.user, teamId: null, triggerId: '', channelId: metadata.channel, message: metadata.message };
    const job = await messageUpdateJob(deps, click, metadata.responseId, eventId);
    if (job && (await deps.store.enqueueJobs([job])).length) deps.onJobsQueued?.();
  }
  return { ack: { response_action: 'clear' } };
}
