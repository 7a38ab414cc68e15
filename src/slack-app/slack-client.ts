/**
 * The Web API calls the Slack app's handlers make, after the acknowledgement. Each adapter
 * implements it with its framework's client (Bolt: @slack/web-api's WebClient; slack-edge:
 * slack-web-api-client), both pointed at SLACK_API_URL, through `slackAppClient`.
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

/** A `users.info` user, as far as the name goes. */
interface SlackUser {
  name?: string;
  real_name?: string;
  profile?: { real_name?: string; display_name?: string };
}

/**
 * The part of a Web API client the handlers use, with the same method names in both
 * frameworks' clients (WebClient, SlackAPIClient): typed here without importing either, since
 * this folder runs on both runtimes. The views' arguments are the SDKs' own view types
 * (`never` here: the handlers build their views as plain objects).
 */
export interface SlackWebApi {
  chat: { postEphemeral(args: { channel: string; user: string; text: string }): Promise<unknown> };
  views: { open(args: never): Promise<unknown>; publish(args: never): Promise<unknown> };
  users: { info(args: { user: string }): Promise<{ user?: SlackUser }> };
}

/** The handlers' client over a framework's Web API client. */
export function slackAppClient(client: SlackWebApi): SlackAppClient {
  return {
    postEphemeral: async (args) => void (await client.chat.postEphemeral(args)),
    openView: async (args) => void (await client.views.open(args as never)),
    publishView: async (args) => void (await client.views.publish(args as never)),
    userName: async (user) => {
      const { user: found } = await client.users.info({ user });
      return found?.real_name || found?.profile?.real_name || found?.profile?.display_name || found?.name || null;
    },
  };
}
