import { escapeSlackText } from '../../connectors/slack/escape.js';
import type { AssignedResponse, OpenLoop } from '../store/slack-actions.js';
import type { HandlerOutcome, SlackAppDeps } from './handler.js';
import type { AppHomeOpened } from './interaction.js';
import { mention, slackDate } from './message-status.js';

const clip = (text: string | null, max = 200) => (text === null ? '(no comment)' : text.length <= max ? text : `${text.slice(0, max - 1)}…`);
const score = (r: { score: number | null; category: string | null }) => `${r.score ?? '–'}/10${r.category ? ` ${r.category}` : ''}`;

function assignedBlock(r: AssignedResponse) {
  return {
    type: 'section',
    text: { type: 'mrkdwn', text: `*${score(r)}* · loop ${r.loopStatus} · yours since ${slackDate(r.assignedAt)}\n>${escapeSlackText(clip(r.comment))}\n\`${r.responseId}\`` },
  };
}

function openLoopBlock(l: OpenLoop) {
  const who = l.assignedTo ? `${mention(l.assignedTo.id)} follows up` : l.acknowledgedBy ? `answered by ${escapeSlackText(l.acknowledgedBy)}` : 'nobody on it yet';
  return {
    type: 'section',
    text: { type: 'mrkdwn', text: `*${score(l)}* · ${who} · received ${slackDate(l.receivedAt)}\n>${escapeSlackText(clip(l.comment))}\n\`${l.responseId}\`` },
  };
}

/** App Home: the responses this person follows up, and the loops nobody has closed yet (`views.publish` after the ack). */
export async function appHome(event: AppHomeOpened, deps: SlackAppDeps): Promise<HandlerOutcome> {
  if (event.tab !== 'home') return {};
  const [assigned, open] = await Promise.all([deps.actions.assignedResponses(event.userId, 20), deps.actions.openLoops(10)]);
  const header = (text: string) => ({ type: 'header', text: { type: 'plain_text', text } });
  const none = (text: string) => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] });
  const blocks = [
    header('Yours to follow up'),
    ...(assigned.length ? assigned.map(assignedBlock) : [none("Nothing yet: press *I'll follow up* on a message to take a response.")]),
    { type: 'divider' },
    header('Open loops'),
    ...(open.length ? open.map(openLoopBlock) : [none('Every loop is closed.')]),
  ];
  // Slack's limit: 100 blocks in a view (20 + 10 + 3 here).
  const view = { type: 'home', blocks };
  return { after: (client) => client.publishView({ user_id: event.userId, view }) };
}
