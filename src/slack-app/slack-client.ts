/**
 * The Web API calls the Slack app's handlers make, after the acknowledgement. Each adapter
 * implements it with its framework's client (Bolt: @slack/web-api's WebClient; slack-edge:
 * slack-web-api-client), both pointed at SLACK_API_URL.
 */
export interface SlackAppClient {
  /** `chat.postEphemeral`: a note only `user` sees, under the message they clicked. */
  postEphemeral(args: { channel: string; user: string; text: string }): Promise<void>;
  /** `views.open`: a modal, within 3 seconds of the click that gave `trigger_id`. */
  openView(args: { trigger_id: string; view: Record<string, unknown> }): Promise<void>;
  /** `views.publish`: the user's App Home. */
  publishView(args: { user_id: string; view: Record<string, unknown> }): Promise<void>;
  /** `users.info`: the person's full name as their profile shows it (real name, else display name), or null. */
  userName(userId: string): Promise<string | null>;
}
