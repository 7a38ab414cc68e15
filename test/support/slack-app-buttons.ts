/** The Slack app's buttons under a recipe's message (docs/slack-app.md), each carrying the response id (Node and workerd tests). */
export const slackAppButtons = (responseId: string) => ({
  type: 'actions',
  block_id: 'closeloop_actions',
  elements: [
    { type: 'button', action_id: 'closeloop_open_ticket', text: { type: 'plain_text', text: 'Open ticket' }, value: responseId },
    { type: 'button', action_id: 'closeloop_follow_up', text: { type: 'plain_text', text: "I'll follow up" }, value: responseId, style: 'primary' },
    { type: 'button', action_id: 'closeloop_loop_closed', text: { type: 'plain_text', text: 'Loop closed' }, value: responseId },
    { type: 'button', action_id: 'closeloop_themes', text: { type: 'plain_text', text: 'Theme…' }, value: responseId },
  ],
});
