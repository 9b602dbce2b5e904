import { type CSSVariablesResolver, MantineProvider } from '@mantine/core';
import mantineStyles from '@mantine/core/styles.css?inline';
import { StrictMode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { AccountScreen } from '../../features/account/components/account-screen';
import { AppCreateScreen } from '../../features/apps/components/app-create-screen';
import { AppEditScreen } from '../../features/apps/components/app-edit-screen';
import { AppsScreen } from '../../features/apps/components/apps-screen';
import { ActivateScreen } from '../../features/auth/components/activate-screen';
import { LoginScreen } from '../../features/auth/components/login-screen';
import { LogoutScreen } from '../../features/auth/components/logout-screen';
import { PasswordRequestScreen } from '../../features/auth/components/password-request';
import { RegisterScreen } from '../../features/auth/components/register-screen';
import { RequireLogin } from '../../features/auth/components/require-login';
import { TokensScreen } from '../../features/tokens/components/tokens-screen';
import { AboutProvider } from '../../lib/branding';
import { setEmbeddedBase } from '../../lib/runtime';
import { SessionProvider } from '../../lib/session';
import { brandTheme } from '../../lib/theme';
import { NotFound } from '../not-found';
import { EmbedLayout } from './embed-layout';

// this module lives at <portico>/apps/assets/embed-<hash>.js: the API is the Portico it came from
setEmbeddedBase(new URL(/* @vite-ignore */ '../..', import.meta.url).href);

/**
 * The host page themes the element through CSS custom properties on it (or any ancestor):
 * --portico-primary-color (#rrggbb), --portico-font-family, --portico-radius, --portico-color-scheme (light|dark).
 */
function hostTheme(host: HTMLElement) {
  const style = getComputedStyle(host);
  const read = (name: string) => style.getPropertyValue(name).trim();
  const primary = read('--portico-primary-color');
  const theme = brandTheme(/^#[0-9a-fA-F]{6}$/.test(primary) ? primary : '#1c7ed6');
  const font = read('--portico-font-family');
  const radius = read('--portico-radius');
  return {
    theme: { ...theme, ...(font ? { fontFamily: font } : {}), ...(radius ? { defaultRadius: radius } : {}) },
    scheme: (read('--portico-color-scheme') === 'dark' ? 'dark' : 'light') as 'light' | 'dark',
  };
}

const readable: CSSVariablesResolver = (theme) => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': theme.colors.gray[7] ?? '#495057',
    '--mantine-color-error': theme.colors.red[9] ?? '#c92a2a',
  },
  dark: {
    '--mantine-color-dimmed': theme.colors.dark[1] ?? '#b8b8b8',
    '--mantine-color-error': theme.colors.red[4] ?? '#ff8787',
  },
});

// Mantine's global rules address :root and body; inside the element's shadow root that is the app's own root
const rootClass = 'portico-root';
const shadowCss = mantineStyles
  .replaceAll(':root', `.${rootClass}`)
  .replace(/(^|[\s,}])body(?=[\s,{])/g, `$1.${rootClass}`);

function routes() {
  return createMemoryRouter([
    {
      element: <EmbedLayout />,
      children: [
        { index: true, element: <RequireLogin>{<AccountScreen />}</RequireLogin> },
        { path: 'login', element: <LoginScreen app="account" /> },
        { path: 'logout', element: <LogoutScreen /> },
        { path: 'register', element: <RegisterScreen /> },
        { path: 'register/activate/:token', element: <ActivateScreen /> },
        { path: 'password', element: <PasswordRequestScreen /> },
        { path: 'apps', element: <RequireLogin>{<AppsScreen />}</RequireLogin> },
        { path: 'apps/new', element: <RequireLogin>{<AppCreateScreen />}</RequireLogin> },
        { path: 'apps/:appId', element: <RequireLogin>{<AppEditScreen />}</RequireLogin> },
        { path: 'tokens', element: <RequireLogin>{<TokensScreen />}</RequireLogin> },
        { path: '*', element: <NotFound /> },
      ],
    },
  ]);
}

/** `<portico-account>`: the account app in a shadow root, so the host page's styles and ours stay apart. */
class PorticoAccount extends HTMLElement {
  private root: Root | null = null;

  connectedCallback() {
    if (this.root) return;
    const shadow = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(`${shadowCss}\n:host { display: block; }`);
    shadow.adoptedStyleSheets = [sheet];
    const mount = document.createElement('div');
    mount.className = rootClass;
    // dialogs and dropdowns open in here, not in the host page's body, so they keep their styles
    const portals = document.createElement('div');
    portals.className = rootClass;
    shadow.append(mount, portals);
    const { theme, scheme } = hostTheme(this);
    const themed = {
      ...theme,
      components: { ...theme.components, Portal: { defaultProps: { target: portals } } },
    };
    const router = routes();
    this.root = createRoot(mount);
    this.root.render(
      <StrictMode>
        <AboutProvider>
          {() => (
            <MantineProvider
              theme={themed}
              forceColorScheme={scheme}
              // twice the class: the theme's variables must outrank Mantine's defaults adopted above
              cssVariablesSelector={`.${rootClass}.${rootClass}`}
              getRootElement={() => mount}
              cssVariablesResolver={readable}
            >
              <SessionProvider>
                <RouterProvider router={router} />
              </SessionProvider>
            </MantineProvider>
          )}
        </AboutProvider>
      </StrictMode>,
    );
  }

  disconnectedCallback() {
    this.root?.unmount();
    this.root = null;
  }
}

if (!customElements.get('portico-account')) customElements.define('portico-account', PorticoAccount);
