import { Layout, Notice } from '../components/layout.js';

/** The sign-in form: the admin token, and why a try was refused. */
export function SignInPage(props: { next: string; error?: string; notice?: string }) {
  return (
    <Layout title="Sign in" section="sign-in">
      {props.error && <Notice kind="error">{props.error}</Notice>}
      {props.notice && <Notice kind="ok">{props.notice}</Notice>}
      <form method="post" action="/sign-in" class="sign-in">
        <input type="hidden" name="next" value={props.next} />
        <label for="token">Admin token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required aria-describedby="token-help" />
        <p id="token-help" class="muted small">
          The hub's CLOSELOOP_ADMIN_TOKEN, or the one it generated at its first start (its start-up log says where it is kept).
        </p>
        <button type="submit">Sign in</button>
      </form>
    </Layout>
  );
}
