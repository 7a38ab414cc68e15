import { SLACK_BUTTONS } from '../../connectors/slack/message-buttons.js';
import { appHome } from './app-home.js';
import { NOTHING, type HandlerOutcome, type SlackAppDeps } from './handler.js';
import type { SlackInteraction } from './interaction.js';
import { npsCommand } from './nps-command.js';
import { followUp, loopClosed, openTicket } from './response-buttons.js';
import { pickTheme, THEME_MODAL, themePicked } from './theme-picker.js';

/** The slash command the app answers (slack/manifest.yaml). */
export const NPS_COMMAND = '/nps';

/** Which handler answers which button (the action ids of connectors/slack/message-buttons.ts). */
export const BUTTON_HANDLERS = {
  [SLACK_BUTTONS.openTicket]: openTicket,
  [SLACK_BUTTONS.followUp]: followUp,
  [SLACK_BUTTONS.loopClosed]: loopClosed,
  [SLACK_BUTTONS.themes]: pickTheme,
} as const;

/** The one entry point of the handlers: both adapters call it with the interaction they read. */
export async function handleInteraction(interaction: SlackInteraction, deps: SlackAppDeps): Promise<HandlerOutcome> {
  switch (interaction.kind) {
    case 'block_action': {
      const handler = BUTTON_HANDLERS[interaction.actionId as keyof typeof BUTTON_HANDLERS];
      return handler ? handler(interaction, deps) : NOTHING;
    }
    case 'view_submission':
      return interaction.callbackId === THEME_MODAL ? themePicked(interaction, deps) : NOTHING;
    case 'slash_command':
      return interaction.command === NPS_COMMAND ? npsCommand(interaction, deps) : NOTHING;
    case 'app_home_opened':
      return appHome(interaction, deps);
  }
}
