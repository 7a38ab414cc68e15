/**
 * The buttons under every message a recipe posts about a response (the Slack app, docs/slack-app.md).
 * Each carries the response id as its `value`; the app (src/slack-app) dispatches on the action id.
 */
export const SLACK_BUTTONS = {
  openTicket: 'closeloop_open_ticket',
  followUp: 'closeloop_follow_up',
  loopClosed: 'closeloop_loop_closed',
  themes: 'closeloop_themes',
} as const;

/** Block ids the app finds again when it updates a message in place. */
export const ACTIONS_BLOCK_ID = 'closeloop_actions';
export const STATUS_BLOCK_ID = 'closeloop_status';

/** The actions block of a message about `responseId` (values are 2,000 characters at most: an id is far shorter). */
export function responseButtons(responseId: string) {
  const button = (action_id: string, text: string, style?: 'primary' | 'danger') => ({
    type: 'button',
    action_id,
    text: { type: 'plain_text', text },
    value: responseId,
    ...(style ? { style } : {}),
  });
  return {
    type: 'actions',
    block_id: ACTIONS_BLOCK_ID,
    elements: [
      button(SLACK_BUTTONS.openTicket, 'Open ticket'),
      button(SLACK_BUTTONS.followUp, "I'll follow up", 'primary'),
      button(SLACK_BUTTONS.loopClosed, 'Loop closed'),
      button(SLACK_BUTTONS.themes, 'Theme…'),
    ],
  };
}

/**
 * The message's blocks with its status (who follows up, the ticket, who closed the loop) as a
 * context block just above the buttons, replacing the status shown before.
 */
export function withStatus(blocks: readonly Record<string, unknown>[], lines: readonly string[]): Record<string, unknown>[] {
  const rest = blocks.filter((b) => b.block_id !== STATUS_BLOCK_ID);
  if (!lines.length) return rest;
  const status = { type: 'context', block_id: STATUS_BLOCK_ID, elements: [{ type: 'mrkdwn', text: lines.join('\n').slice(0, 3_000) }] };
  const at = rest.findIndex((b) => b.block_id === ACTIONS_BLOCK_ID);
  return at === -1 ? [...rest, status] : [...rest.slice(0, at), status, ...rest.slice(at)];
}
