/**
 * Escape user text for Slack mrkdwn: the three control characters Slack documents
 * (`&`, `<`, `>`), so a verbatim cannot write `<!channel>`, `<@U123>` or `<https://evil|link>`.
 */
export function escapeSlackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
