import { createContext, useContext, type Child } from 'hono/jsx';
import { DASHBOARD_ASSETS } from '../assets.generated.js';

export type Section = 'overview' | 'responses' | 'loops' | 'campaigns' | 'recipes' | 'sign-in';

/** Sections a hub may not have: the routes say which it has, once per page they render. */
export const OptionalSections = createContext<{ campaigns: boolean }>({ campaigns: false });

const NAV: { section: Section; href: string; label: string }[] = [
  { section: 'overview', href: '/', label: 'Overview' },
  { section: 'responses', href: '/responses', label: 'Responses' },
  { section: 'loops', href: '/loop-health', label: 'Loop health' },
  { section: 'campaigns', href: '/campaigns', label: 'Campaigns' },
  { section: 'recipes', href: '/recipes', label: 'Recipes' },
];

export const assetPath = (kind: 'js' | 'css') => `/assets/dashboard.${DASHBOARD_ASSETS.hash}.${kind}`;

/** Every page: skip link, header with the navigation and sign-out, one main landmark, the island script. */
export function Layout(props: { title: string; section: Section; csrf?: string; children?: Child }) {
  const optional = useContext(OptionalSections);
  const nav = NAV.filter((n) => n.section !== 'campaigns' || optional.campaigns);
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · closeloop`}</title>
        <link rel="stylesheet" href={assetPath('css')} />
        <script src={assetPath('js')} defer></script>
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <span class="brand">closeloop</span>
          {props.csrf !== undefined && (
            <nav aria-label="Main">
              <ul>
                {nav.map((n) => (
                  <li>
                    <a href={n.href} aria-current={n.section === props.section ? 'page' : undefined}>
                      {n.label}
                    </a>
                  </li>
                ))}
              </ul>
              <form method="post" action="/sign-out" class="sign-out">
                <input type="hidden" name="_csrf" value={props.csrf} />
                <button type="submit">Sign out</button>
              </form>
            </nav>
          )}
        </header>
        <main id="main" tabindex={-1}>
          <h1>{props.title}</h1>
          {props.children}
        </main>
        <footer class="foot">
          <p>closeloop dashboard · times in UTC</p>
        </footer>
      </body>
    </html>
  );
}

/** A form's CSRF field. */
export function CsrfField(props: { token: string }) {
  return <input type="hidden" name="_csrf" value={props.token} />;
}

/** A message box: an error (role=alert) or a notice (role=status). */
export function Notice(props: { kind: 'error' | 'ok'; children?: Child }) {
  return (
    <div class={`notice ${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      {props.children}
    </div>
  );
}
